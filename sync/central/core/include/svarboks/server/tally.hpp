#pragma once
// What one stored response adds to the report tallies (storage.hpp: Tally). Computed once, when the
// response is stored, with the same survey and scoring code the kiosk uses; reports then add tallies up
// instead of reading every response.
#include "svarboks/server/storage.hpp"
#include "svarboks/shared/survey.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace svarboks::server {

// Tally kinds.
inline constexpr const char* kRespondents = "n";  ///< one per response
inline constexpr const char* kArea = "area";      ///< subject = area id, sum = the area score 0..1 (when it has one)
inline constexpr const char* kLevel = "level";    ///< subject = area id, value = level id
inline constexpr const char* kAnswered = "q";     ///< subject = question name: answered at all
inline constexpr const char* kChoice = "a";       ///< subject = question name, value = choiceValueText() of a chosen option

/// Whether answers to this element are counted per option (rating, radio group, checkbox, boolean).
/// Free text and numbers never are.
[[nodiscard]] bool isDistributed(const shared::Element& element);

/// An option's value as tallied: strings as they are, other JSON values as their JSON text (3, true).
[[nodiscard]] std::string choiceValueText(const nlohmann::json& value);

/// The tallies of a valid response (`answers`: SurveyJS result data, name -> value).
[[nodiscard]] std::vector<Tally> responseTallies(const shared::Survey& survey, const nlohmann::json& answers);

}  // namespace svarboks::server
