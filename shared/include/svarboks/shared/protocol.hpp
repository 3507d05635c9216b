#pragma once
// The wire contract of ../shared/PROTOCOL.md in one place: version, JSON shapes, validation.
// Client and server both use these types; both test round-trips against tests/data/protocol fixtures.
#include "svarboks/shared/result.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace svarboks::shared {

inline constexpr int kProtocolVersion = 1;

/// The plaintext that is sealed for one completed response. Nothing else: no time of day, no device,
/// no sequence number.
struct ResponsePayload {
    std::string surveyId;
    std::string surveyVersion;
    std::string definitionSha256;  ///< hex
    std::string consentSha256;     ///< hex
    std::string period;            ///< ISO week, "2026-W47"
    std::string locale;
    nlohmann::json answers = nlohmann::json::object();  ///< SurveyJS result data
};

/// The payload as PROTOCOL.md's JSON object (exactly these seven keys).
[[nodiscard]] nlohmann::json toJson(const ResponsePayload& payload);

/// Parses and checks the shape of a payload (types, hex hashes, ISO week, answers an object). Unknown
/// keys are refused: nothing else may travel with an answer. Errors name the key and what is expected,
/// e.g. "period: '2026-47' is not an ISO week; ...". The answers themselves are checked against the
/// survey by validateAnswers() (survey_state.hpp). Never throws; thread-safe.
[[nodiscard]] Result<ResponsePayload> responsePayloadFromJson(const nlohmann::json& json);

/// The same from the UTF-8 bytes of an opened sealed value; "not valid JSON: ..." when they do not parse.
[[nodiscard]] Result<ResponsePayload> parseResponsePayload(std::string_view utf8);

}  // namespace svarboks::shared
