// The survey loader (shared::parseSurvey) on any bytes, and a survey that loads walked as the kiosk and
// the central endpoint walk it: answers validated, hidden answers dropped, the profile scored.
// Seeds: assets/surveys, tests/data/bad-surveys. Dictionary: json.dict.
#include "fuzz_check.hpp"

#include "svarboks/shared/scoring.hpp"
#include "svarboks/shared/survey.hpp"
#include "svarboks/shared/survey_state.hpp"

#include <nlohmann/json.hpp>

using namespace svarboks;
using nlohmann::json;

namespace {

// One answer per question: the first option (a one-item list for a checkbox), else a plain value.
json firstAnswers(const shared::Survey& survey) {
    json answers = json::object();
    for (const auto& element : survey.elements) {
        if (!element.isQuestion()) continue;
        json value;
        if (!element.choices.empty()) value = element.choices.front().value;
        else if (element.type == shared::ElementType::Boolean) value = true;
        else if (element.type == shared::ElementType::Number) value = element.min.value_or(0.0);
        else value = "x";
        answers[element.name] = element.type == shared::ElementType::Checkbox ? json::array({value}) : value;
    }
    return answers;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto loaded = shared::parseSurvey(fuzz::text(data, size), "fuzz.json");
    for (const auto& diagnostic : loaded.diagnostics) (void)diagnostic.format();
    fuzz::check(loaded.ok() == (loaded.errorCount() == 0), "a survey is refused exactly when it has errors");
    if (!loaded.ok()) return 0;

    const shared::Survey& survey = *loaded.survey;
    for (const json& answers : {json::object(), firstAnswers(survey)}) {
        const auto validation = shared::validateAnswers(survey, answers);
        fuzz::check(validation.valid == validation.errors.empty(), "answers are invalid exactly when there are errors");
        auto slots = shared::toSlots(survey, answers);
        (void)shared::dropHiddenAnswers(survey, slots);
        const auto profile = shared::scoreProfile(survey, slots);
        (void)shared::profileToJson(survey, profile, survey.defaultLocale);
        (void)shared::toResultData(survey, slots);
    }
    return 0;
}
