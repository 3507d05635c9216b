#include "svarboks/shared/protocol.hpp"

#include "svarboks/shared/period.hpp"

#include <algorithm>
#include <array>

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
bool isUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool isDigit(char c) { return c >= '0' && c <= '9'; }

// The same rules as a survey definition's surveyId and locale (survey.cpp), so any loadable survey's
// responses pass.
bool validSurveyId(std::string_view id) {
    return !id.empty() && id.size() <= 64 &&
           std::all_of(id.begin(), id.end(), [](char c) { return isLower(c) || isDigit(c) || c == '-'; });
}

bool validLocale(std::string_view code) {
    const auto dash = code.find('-');
    const auto language = code.substr(0, dash);
    if (language.size() < 2 || language.size() > 3 || !std::all_of(language.begin(), language.end(), isLower)) return false;
    if (dash == std::string_view::npos) return true;
    const auto region = code.substr(dash + 1);
    return region.size() >= 2 && region.size() <= 4 &&
           std::all_of(region.begin(), region.end(), [](char c) { return isLower(c) || isUpper(c); });
}

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

// nlohmann's messages start with "[json.exception.parse_error.101] parse error at ...: ".
std::string withoutPrefix(std::string what) {
    if (const auto bracket = what.find("] "); what.rfind('[', 0) == 0 && bracket != std::string::npos) what = what.substr(bracket + 2);
    return what;
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

}  // namespace svarboks::shared
