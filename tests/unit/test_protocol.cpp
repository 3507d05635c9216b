// The sealed payload of PROTOCOL.md: exactly seven keys, each checked, nothing else accepted.
// Fixtures in tests/data/protocol are shared with the server and any other implementation.
#include "test_helpers.hpp"

#include "svarboks/shared/protocol.hpp"
#include "svarboks/shared/sealing.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

using namespace svarboks::shared;
using nlohmann::json;

namespace {

std::filesystem::path fixtureDir() { return svarboks::test::sourceDir() / "tests/data/protocol"; }

std::string readText(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

ResponsePayload examplePayload() {
    ResponsePayload payload;
    payload.surveyId = "digital-kompetence";
    payload.surveyVersion = "2026.1";
    payload.definitionSha256 = std::string(64, 'a');
    payload.consentSha256 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    payload.period = "2026-W47";
    payload.locale = "da";
    payload.answers = {{"q1", 3}, {"q2", true}, {"q3", {"a", "c"}}};
    return payload;
}

std::string errorOf(const json& document) {
    const auto result = responsePayloadFromJson(document);
    REQUIRE_FALSE(result.ok());
    return result.error().message;
}

}  // namespace

TEST_CASE("protocol: the payload has exactly the seven keys of PROTOCOL.md") {
    const json document = toJson(examplePayload());
    std::set<std::string> keys;
    for (const auto& [key, value] : document.items()) keys.insert(key);
    CHECK(keys == std::set<std::string>{"survey_id", "survey_version", "definition_sha256", "consent_sha256", "period",
                                        "locale", "answers"});
    CHECK(document["survey_id"] == "digital-kompetence");
    CHECK(document["period"] == "2026-W47");
    CHECK(document["answers"]["q3"] == json{"a", "c"});
    CHECK(kProtocolVersion == 1);
}

TEST_CASE("payload JSON round trip") {
    const ResponsePayload original = examplePayload();
    const auto parsed = responsePayloadFromJson(toJson(original));
    REQUIRE(parsed.ok());
    CHECK(parsed->surveyId == original.surveyId);
    CHECK(parsed->surveyVersion == original.surveyVersion);
    CHECK(parsed->definitionSha256 == original.definitionSha256);
    CHECK(parsed->consentSha256 == original.consentSha256);
    CHECK(parsed->period == original.period);
    CHECK(parsed->locale == original.locale);
    CHECK(parsed->answers == original.answers);
    CHECK(toJson(*parsed) == toJson(original));

    SUBCASE("through bytes, as the server reads an opened sealed value") {
        const auto fromBytes = parseResponsePayload(toJson(original).dump());
        REQUIRE(fromBytes.ok());
        CHECK(toJson(*fromBytes) == toJson(original));
    }
    SUBCASE("empty answers are a valid payload (validateAnswers decides about required questions)") {
        ResponsePayload empty = original;
        empty.answers = json::object();
        CHECK(responsePayloadFromJson(toJson(empty)).ok());
    }
    SUBCASE("a regional locale and week 53 of a long year") {
        ResponsePayload other = original;
        other.locale = "en-GB";
        other.period = "2026-W53";
        CHECK(responsePayloadFromJson(toJson(other)).ok());
    }
}

TEST_CASE("payload fixture: payload.json is valid and seals through the protocol fixture") {
    const auto parsed = parseResponsePayload(readText(fixtureDir() / "payload.json"));
    REQUIRE(parsed.ok());
    CHECK(parsed->answers["info_1"] == 3);
    CHECK(parsed->answers["uses_welfare_tech"] == true);

    const auto sealedFixture = json::parse(readText(fixtureDir() / "sealed-payload.json"));
    const auto fromPlaintext = parseResponsePayload(sealedFixture.at("plaintext").get<std::string>());
    REQUIRE(fromPlaintext.ok());
    CHECK(toJson(*fromPlaintext) == toJson(*parsed));
}

TEST_CASE("payload fixtures: every case in invalid-payloads.json is refused with its message") {
    const json base = json::parse(readText(fixtureDir() / "payload.json"));
    const json fixture = json::parse(readText(fixtureDir() / "invalid-payloads.json"));
    REQUIRE(fixture.at("cases").is_array());
    CHECK(fixture.at("cases").size() >= 30);
    for (const auto& entry : fixture.at("cases")) {
        const std::string why = entry.at("why").get<std::string>();
        const std::string expected = entry.at("error").get<std::string>();
        CAPTURE(why);
        Result<ResponsePayload> result = Error{"no case"};
        if (entry.contains("merge_patch")) {
            json document = base;
            document.merge_patch(entry.at("merge_patch"));
            result = responsePayloadFromJson(document);
            // The same document as bytes gives the same answer.
            const auto fromBytes = parseResponsePayload(document.dump());
            REQUIRE_FALSE(fromBytes.ok());
            CHECK(fromBytes.error().message == result.error().message);
        } else if (entry.contains("payload")) {
            result = responsePayloadFromJson(entry.at("payload"));
        } else {
            result = parseResponsePayload(entry.at("text").get<std::string>());
        }
        REQUIRE_FALSE(result.ok());
        CHECK_MESSAGE(result.error().message.find(expected) != std::string::npos, result.error().message);
    }
}

TEST_CASE("payload validation: errors name the key") {
    const json valid = toJson(examplePayload());
    const auto with = [&](const std::string& key, const json& value) {
        json document = valid;
        document[key] = value;
        return document;
    };
    const auto without = [&](const std::string& key) {
        json document = valid;
        document.erase(key);
        return document;
    };

    CHECK(errorOf(json::array()) == "a response payload must be a JSON object, got an array");
    CHECK(errorOf(nullptr) == "a response payload must be a JSON object, got null");
    CHECK(errorOf(with("device", "kiosk-7")) == "unexpected key 'device': nothing else may travel with an answer");
    CHECK(errorOf(with("time", "10:42")) == "unexpected key 'time': nothing else may travel with an answer");
    CHECK(errorOf(with("unit", "Plejecenter Solhøj")) == "unexpected key 'unit': nothing else may travel with an answer");
    CHECK(errorOf(with("a\"b\nc", 1)) == "unexpected key 'a\\\"b\\nc': nothing else may travel with an answer");
    CHECK(errorOf(with(std::string(100, 'x'), 1)).find("'" + std::string(37, 'x') + "...'") != std::string::npos);

    for (const char* key : {"survey_id", "survey_version", "definition_sha256", "consent_sha256", "period", "locale", "answers"}) {
        CAPTURE(key);
        CHECK(errorOf(without(key)) == "missing key '" + std::string(key) + "'");
    }
    for (const char* key : {"survey_id", "survey_version", "definition_sha256", "consent_sha256", "period", "locale"}) {
        CAPTURE(key);
        CHECK(errorOf(with(key, 5)) == std::string(key) + ": expected a string, got a number (5)");
        CHECK(errorOf(with(key, nullptr)) == std::string(key) + ": expected a string, got null");
        CHECK(errorOf(with(key, json::array({"x"}))) == std::string(key) + ": expected a string, got an array");
        CHECK(errorOf(with(key, true)) == std::string(key) + ": expected a string, got a boolean (true)");
    }

    CHECK(errorOf(with("survey_id", "Digital")) ==
          "survey_id: \"Digital\" is not a survey id; expected 1-64 characters of a-z, 0-9 and '-'");
    CHECK(errorOf(with("survey_id", "digital_kompetence")).rfind("survey_id: ", 0) == 0);
    CHECK(errorOf(with("survey_id", std::string(65, 'a'))).rfind("survey_id: ", 0) == 0);
    CHECK(responsePayloadFromJson(with("survey_id", std::string(64, 'a'))).ok());
    CHECK(responsePayloadFromJson(with("survey_id", "a")).ok());

    CHECK(errorOf(with("survey_version", "")) == "survey_version: expected a version of 1-64 characters such as \"2026.1\", got \"\"");
    CHECK(errorOf(with("survey_version", std::string(65, '1'))).rfind("survey_version: ", 0) == 0);

    for (const char* key : {"definition_sha256", "consent_sha256"}) {
        CAPTURE(key);
        const std::string prefix = std::string(key) + ": expected a SHA-256 as 64 lower-case hex digits, got ";
        CHECK(errorOf(with(key, std::string(64, 'A'))).rfind(prefix, 0) == 0);
        CHECK(errorOf(with(key, std::string(63, 'a'))).rfind(prefix, 0) == 0);
        CHECK(errorOf(with(key, std::string(65, 'a'))).rfind(prefix, 0) == 0);
        CHECK(errorOf(with(key, std::string(64, 'g'))).rfind(prefix, 0) == 0);
        CHECK(errorOf(with(key, "")) == prefix + "\"\"");
    }

    CHECK(errorOf(with("period", "2026-47")) == "period: '2026-47' is not an ISO week; expected YYYY-Www such as 2026-W47");
    CHECK(errorOf(with("period", "2025-W53")).rfind("period: ", 0) == 0);
    CHECK(errorOf(with("period", "2026-w47")).rfind("period: ", 0) == 0);
    CHECK(errorOf(with("period", "2026-W47 ")).rfind("period: ", 0) == 0);

    CHECK(errorOf(with("locale", "danish")) == "locale: \"danish\" is not a locale code; expected e.g. \"da\", \"en\" or \"en-GB\"");
    CHECK(errorOf(with("locale", "DA")).rfind("locale: ", 0) == 0);
    CHECK(errorOf(with("locale", "")).rfind("locale: ", 0) == 0);
    CHECK(errorOf(with("locale", "da_DK")).rfind("locale: ", 0) == 0);

    CHECK(errorOf(with("answers", json::array())) == "answers: expected an object of question name -> answer, got an array");
    CHECK(errorOf(with("answers", "q1=3")) == "answers: expected an object of question name -> answer, got a string");
    CHECK(errorOf(with("answers", 3)) == "answers: expected an object of question name -> answer, got a number (3)");
}

TEST_CASE("payload validation: unknown keys are refused before anything else") {
    // A payload that carries something extra is refused for that, whatever else is wrong with it.
    json document = {{"survey_id", 1}, {"completed_at", "2026-11-19T10:42:00Z"}};
    CHECK(errorOf(document) == "unexpected key 'completed_at': nothing else may travel with an answer");
}

TEST_CASE("payload bytes: not JSON, not UTF-8, or nested too deep") {
    CHECK(parseResponsePayload("").error().message.rfind("not valid JSON: ", 0) == 0);
    CHECK(parseResponsePayload("{\"survey_id\": ").error().message.rfind("not valid JSON: ", 0) == 0);
    CHECK(parseResponsePayload("{\"survey_id\": \"a\xff\"}").error().message.rfind("not valid JSON: ", 0) == 0);
    CHECK(parseResponsePayload("[1, 2]").error().message == "a response payload must be a JSON object, got an array");

    const std::string deep = "{\"answers\": {\"q\": " + std::string(100000, '[') + std::string(100000, ']') + "}}";
    CHECK(parseResponsePayload(deep).error().message == "not valid JSON: nested deeper than 16 levels");
    const std::string fine = "{\"answers\": {\"q\": " + std::string(10, '[') + std::string(10, ']') + "}}";
    CHECK(parseResponsePayload(fine).error().message == "missing key 'survey_id'");
}

TEST_CASE("payload: the sealed payload round trip, as kiosk and server do it") {
    const KeyPair central = generateKeyPair();
    const std::string wire = toBase64(seal(toJson(examplePayload()).dump(), central.publicKey));
    const auto sealed = fromBase64(wire);
    REQUIRE(sealed.ok());
    const auto plaintext = openSealed(*sealed, central);
    REQUIRE(plaintext.ok());
    const auto payload = parseResponsePayload(*plaintext);
    REQUIRE(payload.ok());
    CHECK(toJson(*payload) == toJson(examplePayload()));
}
