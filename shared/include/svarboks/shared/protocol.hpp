#pragma once
// The wire contract of ../shared/PROTOCOL.md in one place: version, JSON shapes, validation.
// Client and server both use these types; both test round-trips against tests/data/protocol fixtures.
#include "svarboks/shared/result.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

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

// ---- POST /api/v1/enroll ----

struct EnrollRequest {
    std::string code;       ///< as typed; compare with normalizeEnrollCode()
    std::string requestId;  ///< UUID v4, made once per enrolment attempt
};

struct EnrollResponse {
    std::string deviceId;
    std::string deviceToken;
    std::string unitId;
    std::string unitName;
    std::string publicKey;  ///< base64 of the 32-byte X25519 key
};

[[nodiscard]] nlohmann::json toJson(const EnrollRequest& request);
[[nodiscard]] Result<EnrollRequest> enrollRequestFromJson(const nlohmann::json& json);
[[nodiscard]] nlohmann::json toJson(const EnrollResponse& response);
[[nodiscard]] Result<EnrollResponse> enrollResponseFromJson(const nlohmann::json& json);

/// An enrolment code as stored and compared: upper case, Crockford look-alikes mapped (O->0, I/L->1),
/// spaces and dashes removed. "k7qm-3xhd 9pla" and "K7QM3XHD9PLA" are the same code.
[[nodiscard]] std::string normalizeEnrollCode(std::string_view code);

// ---- GET /api/v1/survey ----

struct SurveyResponse {
    nlohmann::json survey;  ///< the definition as published (an object)
    std::string publicKey;  ///< base64 of the 32-byte X25519 key; "" when the reply has none
};

/// The reply's body. `definition` is the published JSON text, put in byte for byte (the ETag and every
/// response's definition_sha256 are about that definition; it is stored canonical, so no re-serialising).
[[nodiscard]] std::string surveyResponseBody(std::string_view publicKey, std::string_view definition);
/// What a kiosk reads of a 200 reply: an object with a "survey" object and, if present, a "public_key" string.
[[nodiscard]] Result<SurveyResponse> surveyResponseFromJson(const nlohmann::json& json);

// ---- POST /api/v1/batches ----

inline constexpr std::size_t kMaxBatchResponses = 500;
inline constexpr std::size_t kMaxBodyBytes = 4 * 1024 * 1024;  ///< after decompression

struct BatchItem {
    std::string id;      ///< lower-case UUID v4
    std::string sealed;  ///< base64, as on the wire
};

struct BatchRequest {
    int protocol = kProtocolVersion;
    std::string batchId;
    std::vector<BatchItem> responses;
};

enum class ItemStatus { Accepted, Duplicate, Rejected };

struct BatchResult {
    std::string id;
    ItemStatus status = ItemStatus::Rejected;
    std::string error;  ///< set when rejected
};

struct BatchResponse {
    std::string batchId;
    std::vector<BatchResult> results;  ///< one per request item, in the same order
};

[[nodiscard]] nlohmann::json toJson(const BatchRequest& request);
/// The server's whole-batch check: protocol 1, a batch id, 1..500 responses, v4 ids that do not repeat,
/// base64 sealed values. An error here is a 400 and nothing of the batch is stored.
[[nodiscard]] Result<BatchRequest> batchRequestFromJson(const nlohmann::json& json);
[[nodiscard]] nlohmann::json toJson(const BatchResponse& response);
/// The kiosk's delivery check (PROTOCOL.md): the body parses and lists every id it sent, in order, with
/// a known status. Anything else (a captive portal's page, a proxy's error) means "not delivered".
[[nodiscard]] Result<BatchResponse> batchResponseFromJson(const nlohmann::json& json, const BatchRequest& sent);

[[nodiscard]] std::string_view statusText(ItemStatus status);

}  // namespace svarboks::shared
