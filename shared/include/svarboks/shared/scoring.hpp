#pragma once
// The respondent's own profile: a score and level per competence area. Shown on screen, never stored.
#include "svarboks/shared/survey.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <span>
#include <string>
#include <vector>

namespace svarboks::shared {

struct AreaScore {
    std::size_t area = 0;          ///< index into Scoring::areas
    int answered = 0;              ///< scored answers that count (a "none"/"don't know" answer does not)
    std::optional<double> score;   ///< mean of the answered items, 0..1; empty when nothing counts
    std::optional<std::size_t> level;  ///< index into Scoring::levels: the highest whose min the score reaches
};

struct Profile {
    std::vector<AreaScore> areas;  ///< one per scoring area, in the survey's order
};

/// An answer mapped onto 0..1 between the element's lowest and highest option; empty for "none" or unscored.
[[nodiscard]] std::optional<double> itemScore(const Element& element, const nlohmann::json& answer);

/// Scores the answers (by element index; hidden questions' answers must already be dropped).
/// An empty profile when the survey has no scoring. Thread-safe.
[[nodiscard]] Profile scoreProfile(const Survey& survey, std::span<const nlohmann::json> answers);

/// The profile as JSON for the CLI: [{"area", "title", "answered", "score", "level", "levelTitle", "advice"}].
[[nodiscard]] nlohmann::json profileToJson(const Survey& survey, const Profile& profile, const std::string& locale);

}  // namespace svarboks::shared
