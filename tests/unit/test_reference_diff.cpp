// The differential test: for every generated (survey, answers) case, our engine must say exactly what
// survey-core says about each element (visible, enabled, required, valid) and about the whole response.
// The cases come from tests/reference/gen_cases.js, which runs the pinned survey-core.
#include "svarboks/shared/survey_state.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>

using nlohmann::json;
using namespace svarboks;

TEST_CASE("our survey engine matches survey-core on every generated case") {
    std::ifstream in(SVARBOKS_CASES_FILE);
    REQUIRE_MESSAGE(in.good(), "no cases file " SVARBOKS_CASES_FILE "; run the reference_cases_generate test (needs node and npm ci in tests/reference)");
    std::size_t compared = 0;
    std::size_t refusedByLint = 0;
    std::size_t mismatches = 0;
    std::map<std::string, std::size_t> features;
    std::string line;
    while (std::getline(in, line)) {
        const json c = json::parse(line);
        const auto loaded = shared::parseSurvey(c["survey"].dump(), "case-" + c["id"].dump());
        if (!loaded.ok()) {
            ++refusedByLint;
            continue;
        }
        const auto& survey = *loaded.survey;
        const auto validation = shared::validateAnswers(survey, c["answers"]);
        std::string problems;
        const auto& expected = c["expected"]["elements"];
        if (expected.size() != survey.elements.size()) problems += " element count differs;";
        for (std::size_t i = 0; i < survey.elements.size() && i < expected.size(); ++i) {
            const auto& e = expected[i];
            const auto& state = validation.states[i];
            const auto& name = survey.elements[i].name;
            const bool valid = std::none_of(validation.errors.begin(), validation.errors.end(),
                                            [&](const shared::AnswerError& error) { return error.question == name; });
            if (e["visible"] != state.visible) problems += " " + name + ".visible;";
            if (e["enabled"] != state.enabled) problems += " " + name + ".enabled;";
            if (e["required"] != state.required) problems += " " + name + ".required;";
            if (state.visible && e["valid"] != valid) problems += " " + name + ".valid;";
        }
        if (c["expected"]["valid"] != validation.valid) problems += " overall valid;";
        ++compared;
        for (const auto& feature : c["features"]) features[feature.get<std::string>()] += 1;
        if (!problems.empty() && ++mismatches <= 10) {
            std::string errors;
            for (const auto& error : validation.errors) errors += "\n    " + error.question + ": " + error.message;
            FAIL_CHECK("case " << c["id"] << " differs:" << problems << "\n  survey: " << c["survey"]["pages"].dump()
                               << "\n  answers: " << c["answers"].dump() << "\n  expected: " << c["expected"].dump()
                               << "\n  our errors:" << errors);
        }
    }
    MESSAGE("compared " << compared << " cases (" << refusedByLint << " refused by lint), " << mismatches << " mismatches");
    for (const auto& [feature, count] : features) MESSAGE("  " << feature << ": " << count);
    CHECK(mismatches == 0);
    CHECK(compared >= 2000);
}
