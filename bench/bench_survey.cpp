// Survey engine speed: what a kiosk frame or an ingest request may spend on it.
// Targets (issue #2): load + validate the default survey < 2 ms; a full visibility pass < 20 us.
#include "svarboks/shared/survey.hpp"
#include "svarboks/shared/survey_state.hpp"

#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>

namespace {

using namespace svarboks;

const std::string kPath = std::string(SVARBOKS_SOURCE_DIR) + "/assets/surveys/digital-kompetence.json";

std::string readDefault() {
    std::ifstream in(kPath, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

shared::Survey defaultSurvey() { return *shared::loadSurveyFile(kPath).survey; }

// A full respondent: every question answered, so every branch is open and every expression runs.
nlohmann::json fullAnswers(const shared::Survey& survey) {
    nlohmann::json answers = nlohmann::json::object();
    for (const auto& element : survey.elements) {
        if (element.type == shared::ElementType::Radiogroup) answers[element.name] = element.choices[1].value;
        if (element.type == shared::ElementType::Boolean) answers[element.name] = true;
    }
    answers["workplace"] = "home_care";
    answers["problem_1"] = 2;
    return answers;
}

void BM_LoadAndValidateFromFile(benchmark::State& state) {
    for (auto _ : state) {
        auto result = shared::loadSurveyFile(kPath);
        benchmark::DoNotOptimize(result);
        if (!result.ok()) state.SkipWithError("the default survey does not load");
    }
}
BENCHMARK(BM_LoadAndValidateFromFile)->Unit(benchmark::kMicrosecond);

void BM_LoadAndValidateFromMemory(benchmark::State& state) {
    const std::string bytes = readDefault();
    state.SetBytesProcessed(0);
    for (auto _ : state) {
        auto result = shared::parseSurvey(bytes, "digital-kompetence.json");
        benchmark::DoNotOptimize(result);
    }
    state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bytes.size()));
}
BENCHMARK(BM_LoadAndValidateFromMemory)->Unit(benchmark::kMicrosecond);

// What the kiosk does after every tap: the state of every element for the current answers.
void BM_VisibilityPass(benchmark::State& state) {
    const auto survey = defaultSurvey();
    const auto slots = shared::toSlots(survey, fullAnswers(survey));
    std::vector<shared::ElementState> states;
    for (auto _ : state) {
        shared::evaluateState(survey, slots, states);
        benchmark::DoNotOptimize(states.data());
    }
    state.counters["elements"] = static_cast<double>(survey.elements.size());
}
BENCHMARK(BM_VisibilityPass)->Unit(benchmark::kMicrosecond);

// What the central endpoint does per response: the whole validation of a result-data object.
void BM_ValidateResponse(benchmark::State& state) {
    const auto survey = defaultSurvey();
    const auto answers = fullAnswers(survey);
    for (auto _ : state) {
        auto validation = shared::validateAnswers(survey, answers);
        benchmark::DoNotOptimize(validation);
        if (!validation.valid) state.SkipWithError("the sample response is not valid");
    }
}
BENCHMARK(BM_ValidateResponse)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
