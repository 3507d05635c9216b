#pragma once
// Small helpers shared by the unit suites.
#include "svarboks/shared/survey.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <string>

namespace svarboks::test {

inline std::filesystem::path sourceDir() { return SVARBOKS_SOURCE_DIR; }
inline std::filesystem::path defaultSurveyPath() { return sourceDir() / "assets/surveys/digital-kompetence.json"; }
inline std::filesystem::path pulseSurveyPath() { return sourceDir() / "assets/surveys/pulse.json"; }

/// Loads a survey from JSON text and requires it to be valid.
inline shared::Survey mustLoad(const nlohmann::json& definition) {
    auto result = shared::parseSurvey(definition.dump(), "test.json");
    for (const auto& d : result.diagnostics) INFO(d.format());
    REQUIRE(result.ok());
    return *result.survey;
}

/// A minimal valid survey around the given elements.
inline nlohmann::json surveyWith(nlohmann::json elements) {
    return {{"surveyId", "t"}, {"surveyVersion", "1"}, {"consent", "ok"}, {"pages", {{{"elements", std::move(elements)}}}}};
}

/// The first error diagnostic ("" when there is none), formatted.
inline std::string firstError(const shared::LoadResult& result) {
    for (const auto& d : result.diagnostics) {
        if (d.severity == shared::Diagnostic::Severity::Error) return d.format();
    }
    return "";
}

}  // namespace svarboks::test
