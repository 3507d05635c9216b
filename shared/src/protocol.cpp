#include "svarboks/shared/protocol.hpp"

#include "svarboks/shared/period.hpp"
#include "svarboks/shared/sealing.hpp"

#include <algorithm>
#include <array>

#include "text_rules.hpp"

namespace svarboks::shared {

namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 7> kPayloadKeys = {
    "survey_id", "survey_version", "definition_sha256", "consent_sha256", "period", "locale", "answers"};

constexpr std::size_t kMaxVersionLength = 64;
// Answers are at most an array of choices inside an object; this leaves room and stops a hostile
// payload from nesting deep enough to exhaust the stack of whoever walks the tree.
constexpr int kMaxDepth = 16;

struct TooDeep {};

bool isLower(char c) { return c >= 'a' && c <= 'z'; }
bool isDigit(char c) { return c >= '0' && c <= '9'; }



bool isSha256Hex(std::string_view text) {
    return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) { return isDigit(c) || (c >= 'a' && c <= 'f'); });
}

std::string shown(const json& value) {
    std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
    if (text.size() > 40) text = text.substr(0, 37) + "...";
    return text;
}

std::string typeDescription(const json& value) {
    switch (value.type()) {
        case json::value_t::null: return "null";
        case json::value_t::boolean: return "a boolean (" + shown(value) + ")";
        case json::value_t::string: return "a string";
        case json::value_t::array: return "an array";
        case json::value_t::object: return "an object";
        default: return "a number (" + shown(value) + ")";
    }
}

// A key as text for a message: escaped like JSON, without the quotes, and short.
std::string shownKey(const std::string& key) {
    std::string text = json(key).dump(-1, ' ', false, json::error_handler_t::replace);
    text = text.substr(1, text.size() - 2);
    if (text.size() > 40) text = text.substr(0, 37) + "...";
    return text;
}


Result<std::string> stringAt(const json& object, std::string_view key) {
    const auto value = object.find(key);
    if (value == object.end()) return Error{"missing key '" + std::string(key) + "'"};
    if (!value->is_string()) return Error{std::string(key) + ": expected a string, got " + typeDescription(*value)};
    return value->get<std::string>();
}

}  // namespace

json toJson(const ResponsePayload& payload) {
    return {{"survey_id", payload.surveyId},
            {"survey_version", payload.surveyVersion},
            {"definition_sha256", payload.definitionSha256},
            {"consent_sha256", payload.consentSha256},
            {"period", payload.period},
            {"locale", payload.locale},
            {"answers", payload.answers}};
}

Result<ResponsePayload> responsePayloadFromJson(const json& document) {
    if (!document.is_object()) return Error{"a response payload must be a JSON object, got " + typeDescription(document)};
    for (const auto& [key, value] : document.items()) {
        if (std::find(kPayloadKeys.begin(), kPayloadKeys.end(), key) == kPayloadKeys.end()) {
            return Error{"unexpected key '" + shownKey(key) + "': nothing else may travel with an answer"};
        }
    }

    ResponsePayload payload;
    auto surveyId = stringAt(document, "survey_id");
    if (!surveyId) return surveyId.error();
    if (!validSurveyId(*surveyId)) {
        return Error{"survey_id: " + shown(*surveyId) + " is not a survey id; expected 1-64 characters of a-z, 0-9 and '-'"};
    }
    payload.surveyId = std::move(*surveyId);

    auto version = stringAt(document, "survey_version");
    if (!version) return version.error();
    if (version->empty() || version->size() > kMaxVersionLength) {
        return Error{"survey_version: expected a version of 1-64 characters such as \"2026.1\", got " + shown(*version)};
    }
    payload.surveyVersion = std::move(*version);

    for (auto [key, field] : {std::pair{"definition_sha256", &payload.definitionSha256},
                              std::pair{"consent_sha256", &payload.consentSha256}}) {
        auto hash = stringAt(document, key);
        if (!hash) return hash.error();
        if (!isSha256Hex(*hash)) {
            return Error{std::string(key) + ": expected a SHA-256 as 64 lower-case hex digits, got " + shown(*hash)};
        }
        *field = std::move(*hash);
    }

    auto period = stringAt(document, "period");
    if (!period) return period.error();
    if (auto week = parseIsoWeek(*period); !week) return Error{"period: " + week.error().message};
    payload.period = std::move(*period);

    auto locale = stringAt(document, "locale");
    if (!locale) return locale.error();
    if (!validLocale(*locale)) {
        return Error{"locale: " + shown(*locale) + " is not a locale code; expected e.g. \"da\", \"en\" or \"en-GB\""};
    }
    payload.locale = std::move(*locale);

    const auto answers = document.find("answers");
    if (answers == document.end()) return Error{"missing key 'answers'"};
    if (!answers->is_object()) {
        return Error{"answers: expected an object of question name -> answer, got " + typeDescription(*answers)};
    }
    payload.answers = *answers;
    return payload;
}

Result<ResponsePayload> parseResponsePayload(std::string_view utf8) {
    const json::parser_callback_t limitDepth = [](int depth, json::parse_event_t, json&) {
        if (depth > kMaxDepth) throw TooDeep{};
        return true;
    };
    try {
        return responsePayloadFromJson(json::parse(utf8, limitDepth));
    } catch (const TooDeep&) {
        return Error{"not valid JSON: nested deeper than " + std::to_string(kMaxDepth) + " levels"};
    } catch (const json::exception& e) {
        return Error{"not valid JSON: " + withoutPrefix(e.what())};
    } catch (const std::exception& e) {
        return Error{std::string("cannot parse the payload: ") + e.what()};
    }
}

// ---- enrolment ----

namespace {

Result<std::string> stringField(const json& object, std::string_view key, std::size_t maxLength) {
    const auto it = object.find(std::string(key));
    if (it == object.end()) return Error{std::string(key) + ": missing"};
    if (!it->is_string()) return Error{std::string(key) + ": expected a string"};
    const auto& text = it->get_ref<const std::string&>();
    if (text.empty() || text.size() > maxLength) {
        return Error{std::string(key) + ": expected 1 to " + std::to_string(maxLength) + " characters"};
    }
    return text;
}

}  // namespace

std::string normalizeEnrollCode(std::string_view code) {
    std::string out;
    for (char c : code) {
        if (c == '-' || c == ' ') continue;
        if (isLower(c)) c = static_cast<char>(c - 'a' + 'A');
        if (c == 'O') c = '0';
        if (c == 'I' || c == 'L') c = '1';
        out += c;
    }
    return out;
}

json toJson(const EnrollRequest& request) { return {{"code", request.code}, {"request_id", request.requestId}}; }

Result<EnrollRequest> enrollRequestFromJson(const json& body) {
    if (!body.is_object()) return Error{"expected a JSON object with \"code\" and \"request_id\""};
    auto code = stringField(body, "code", 64);
    if (!code) return code.error();
    auto requestId = stringField(body, "request_id", 36);
    if (!requestId) return requestId.error();
    if (!isUuidV4(*requestId)) return Error{"request_id: expected a lower-case UUID v4"};
    return EnrollRequest{std::move(*code), std::move(*requestId)};
}

json toJson(const EnrollResponse& response) {
    return {{"device_id", response.deviceId},
            {"device_token", response.deviceToken},
            {"unit", {{"id", response.unitId}, {"name", response.unitName}}},
            {"public_key", response.publicKey}};
}

Result<EnrollResponse> enrollResponseFromJson(const json& body) {
    if (!body.is_object()) return Error{"the enrolment reply is not a JSON object"};
    EnrollResponse response;
    for (auto [key, target] : {std::pair{"device_id", &response.deviceId}, std::pair{"device_token", &response.deviceToken},
                               std::pair{"public_key", &response.publicKey}}) {
        auto value = stringField(body, key, 4096);
        if (!value) return value.error();
        *target = std::move(*value);
    }
    const auto unit = body.find("unit");
    if (unit == body.end() || !unit->is_object()) return Error{"unit: expected an object with \"id\" and \"name\""};
    auto unitId = stringField(*unit, "id", 256);
    auto unitName = stringField(*unit, "name", 256);
    if (!unitId) return Error{"unit." + unitId.error().message};
    if (!unitName) return Error{"unit." + unitName.error().message};
    response.unitId = std::move(*unitId);
    response.unitName = std::move(*unitName);
    return response;
}

// ---- survey ----

std::string surveyResponseBody(std::string_view publicKey, std::string_view definition) {
    return "{\"public_key\":" + json(std::string(publicKey)).dump() + ",\"survey\":" + std::string(definition) + "}";
}

Result<SurveyResponse> surveyResponseFromJson(const json& body) {
    if (!body.is_object()) return Error{"the survey reply is not a JSON object (a captive portal or a proxy's page?)"};
    const auto survey = body.find("survey");
    if (survey == body.end() || !survey->is_object()) return Error{"the reply has no \"survey\" object (a captive portal or a proxy's page?)"};
    SurveyResponse response{*survey, ""};
    if (const auto key = body.find("public_key"); key != body.end()) {
        if (!key->is_string()) return Error{"public_key: expected base64 text"};
        response.publicKey = key->get<std::string>();
    }
    return response;
}

// ---- batches ----

std::string_view statusText(ItemStatus status) {
    switch (status) {
        case ItemStatus::Accepted: return "accepted";
        case ItemStatus::Duplicate: return "duplicate";
        case ItemStatus::Rejected: return "rejected";
    }
    return "";
}

json toJson(const BatchRequest& request) {
    json responses = json::array();
    for (const auto& item : request.responses) responses.push_back({{"id", item.id}, {"sealed", item.sealed}});
    return {{"protocol", request.protocol}, {"batch_id", request.batchId}, {"responses", std::move(responses)}};
}

Result<BatchRequest> batchRequestFromJson(const json& body) {
    if (!body.is_object()) return Error{"expected a JSON object with \"protocol\", \"batch_id\" and \"responses\""};
    const auto protocol = body.find("protocol");
    if (protocol == body.end()) return Error{"protocol: missing; expected 1"};
    if (!protocol->is_number_integer() || protocol->get<long long>() != kProtocolVersion) {
        return Error{"protocol: this server speaks protocol 1, got " + protocol->dump()};
    }
    BatchRequest request;
    auto batchId = stringField(body, "batch_id", 64);
    if (!batchId) return batchId.error();
    const bool uuidShape = batchId->size() == 36 && std::all_of(batchId->begin(), batchId->end(), [](char c) {
        return isDigit(c) || (c >= 'a' && c <= 'f') || c == '-';
    }) && (*batchId)[8] == '-' && (*batchId)[13] == '-' && (*batchId)[18] == '-' && (*batchId)[23] == '-';
    if (!uuidShape) return Error{"batch_id: expected a lower-case UUID"};
    request.batchId = std::move(*batchId);
    const auto responses = body.find("responses");
    if (responses == body.end() || !responses->is_array()) return Error{"responses: expected an array"};
    if (responses->empty() || responses->size() > kMaxBatchResponses) {
        return Error{"responses: expected 1 to " + std::to_string(kMaxBatchResponses) + " responses, got " +
                     std::to_string(responses->size())};
    }
    std::vector<std::string> seen;
    seen.reserve(responses->size());
    for (std::size_t i = 0; i < responses->size(); ++i) {
        const auto& item = (*responses)[i];
        const std::string where = "responses[" + std::to_string(i) + "]";
        if (!item.is_object()) return Error{where + ": expected an object with \"id\" and \"sealed\""};
        const auto id = item.find("id");
        if (id == item.end() || !id->is_string() || !isUuidV4(id->get_ref<const std::string&>())) {
            return Error{where + ".id: expected a lower-case UUID v4"};
        }
        const auto sealed = item.find("sealed");
        // Only its type is checked here: a sealed value that is not base64 cannot be decrypted, which
        // PROTOCOL.md makes a per-item "rejected" (kept as a dead letter), not a refusal of its neighbours.
        if (sealed == item.end() || !sealed->is_string()) {
            return Error{where + ".sealed: expected base64 text"};
        }
        seen.push_back(id->get<std::string>());
        request.responses.push_back({id->get<std::string>(), sealed->get<std::string>()});
    }
    std::sort(seen.begin(), seen.end());
    if (const auto repeated = std::adjacent_find(seen.begin(), seen.end()); repeated != seen.end()) {
        return Error{"responses: the id " + *repeated + " repeats within the batch"};
    }
    return request;
}

json toJson(const BatchResponse& response) {
    json results = json::array();
    for (const auto& result : response.results) {
        json item = {{"id", result.id}, {"status", std::string(statusText(result.status))}};
        if (result.status == ItemStatus::Rejected) item["error"] = result.error;
        results.push_back(std::move(item));
    }
    return {{"batch_id", response.batchId}, {"results", std::move(results)}};
}

Result<BatchResponse> batchResponseFromJson(const json& body, const BatchRequest& sent) {
    if (!body.is_object()) return Error{"the reply is not a JSON object"};
    const auto batchId = body.find("batch_id");
    if (batchId == body.end() || *batchId != sent.batchId) return Error{"the reply is for another batch"};
    const auto results = body.find("results");
    if (results == body.end() || !results->is_array() || results->size() != sent.responses.size()) {
        return Error{"the reply does not list every response sent"};
    }
    BatchResponse response;
    response.batchId = sent.batchId;
    for (std::size_t i = 0; i < results->size(); ++i) {
        const auto& item = (*results)[i];
        if (!item.is_object() || item.value("id", json()) != sent.responses[i].id) {
            return Error{"result " + std::to_string(i) + " is not for the response sent in that place"};
        }
        const std::string status = item.value("status", json()).is_string() ? item["status"].get<std::string>() : "";
        BatchResult result;
        result.id = sent.responses[i].id;
        if (status == "accepted") result.status = ItemStatus::Accepted;
        else if (status == "duplicate") result.status = ItemStatus::Duplicate;
        else if (status == "rejected") result.status = ItemStatus::Rejected;
        else return Error{"result " + std::to_string(i) + " has an unknown status"};
        if (result.status == ItemStatus::Rejected) {
            result.error = item.value("error", json()).is_string() ? item["error"].get<std::string>() : "rejected (no reason given)";
        }
        response.results.push_back(std::move(result));
    }
    return response;
}

}  // namespace svarboks::shared
