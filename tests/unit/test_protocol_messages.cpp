// The wire messages of PROTOCOL.md that kiosk and server share: enrolment and batches.
#include "svarboks/shared/protocol.hpp"
#include "svarboks/shared/sealing.hpp"

#include <doctest/doctest.h>

using namespace svarboks::shared;
using nlohmann::json;

namespace {

json batchOf(std::vector<std::string> ids) {
    json responses = json::array();
    for (const auto& id : ids) responses.push_back({{"id", id}, {"sealed", "c2VhbGVk"}});
    return {{"protocol", 1}, {"batch_id", "0b6c1f3e-9a55-4d1e-8c4f-2f5d7b9e1a20"}, {"responses", responses}};
}

std::string errorOf(const json& body) {
    auto parsed = batchRequestFromJson(body);
    return parsed.ok() ? "" : parsed.error().message;
}

}  // namespace

TEST_CASE("batch requests: the server's whole-batch checks") {
    const std::string a = newUuidV4();
    const std::string b = newUuidV4();
    auto ok = batchRequestFromJson(batchOf({a, b}));
    REQUIRE(ok.ok());
    CHECK(ok->responses.size() == 2);
    CHECK(toJson(*ok) == batchOf({a, b}));

    json wrongProtocol = batchOf({a});
    wrongProtocol["protocol"] = 2;
    CHECK(errorOf(wrongProtocol) == "protocol: this server speaks protocol 1, got 2");
    CHECK(errorOf(json::array()) == "expected a JSON object with \"protocol\", \"batch_id\" and \"responses\"");
    CHECK(errorOf(batchOf({a, a})) == "responses: the id " + a + " repeats within the batch");
    CHECK(errorOf(batchOf({"not-a-uuid"})) == "responses[0].id: expected a lower-case UUID v4");
    std::string upper = a;
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    CHECK(errorOf(batchOf({upper})) == "responses[0].id: expected a lower-case UUID v4");
    CHECK(errorOf(batchOf({})) == "responses: expected 1 to 500 responses, got 0");
    json badBatchId = batchOf({a});
    badBatchId["batch_id"] = "b1";
    CHECK(errorOf(badBatchId) == "batch_id: expected a lower-case UUID");
    std::vector<std::string> many;
    for (int i = 0; i < 501; ++i) many.push_back(newUuidV4());
    CHECK(errorOf(batchOf(many)) == "responses: expected 1 to 500 responses, got 501");
    json notText = batchOf({a});
    notText["responses"][0]["sealed"] = 12;
    CHECK(errorOf(notText) == "responses[0].sealed: expected base64 text");
    // Text that is not base64 is the server's to reject per item (PROTOCOL.md), not the batch's shape.
    json notBase64 = batchOf({a});
    notBase64["responses"][0]["sealed"] = "not base64!";
    const auto parsed = batchRequestFromJson(notBase64);
    REQUIRE(parsed.ok());
    CHECK(parsed->responses[0].sealed == "not base64!");
}

TEST_CASE("batch replies: delivered only when every id sent is listed, in order") {
    BatchRequest sent{1, "b7", {{newUuidV4(), "AAAA"}, {newUuidV4(), "BBBB"}}};
    const json reply = {{"batch_id", "b7"},
                        {"results", {{{"id", sent.responses[0].id}, {"status", "accepted"}},
                                     {{"id", sent.responses[1].id}, {"status", "rejected"}, {"error", "bad answer"}}}}};
    auto parsed = batchResponseFromJson(reply, sent);
    REQUIRE(parsed.ok());
    CHECK(parsed->results[1].status == ItemStatus::Rejected);
    CHECK(parsed->results[1].error == "bad answer");
    CHECK(toJson(*parsed) == reply);

    json missing = reply;
    missing["results"].erase(1);
    CHECK_FALSE(batchResponseFromJson(missing, sent).ok());
    json swapped = reply;
    std::swap(swapped["results"][0], swapped["results"][1]);
    CHECK_FALSE(batchResponseFromJson(swapped, sent).ok());
    json otherBatch = reply;
    otherBatch["batch_id"] = "b8";
    CHECK_FALSE(batchResponseFromJson(otherBatch, sent).ok());
    CHECK_FALSE(batchResponseFromJson(json("<html>Welcome to the hotel Wi-Fi</html>"), sent).ok());
}

TEST_CASE("survey replies: what the server sends, the kiosk reads, byte for byte") {
    const std::string definition = R"({"id":"pulse","pages":[],"version":"2026.1"})";
    const std::string body = surveyResponseBody("AAAA+/==", definition);
    // The definition goes out as its published bytes, not re-serialised.
    CHECK(body.find(definition) != std::string::npos);
    auto read = surveyResponseFromJson(json::parse(body));
    REQUIRE(read.ok());
    CHECK(read->publicKey == "AAAA+/==");
    CHECK(read->survey.dump() == definition);
    // A reply without a key is read (older servers); anything without a survey object is refused.
    CHECK(surveyResponseFromJson(json{{"survey", json::object()}}).ok());
    CHECK(surveyResponseFromJson(json::parse("[]")).error().message.find("captive portal") != std::string::npos);
    CHECK(surveyResponseFromJson(json{{"survey", "x"}}).error().message.find("\"survey\" object") != std::string::npos);
    CHECK(surveyResponseFromJson(json{{"survey", json::object()}, {"public_key", 5}}).error().message == "public_key: expected base64 text");
}

TEST_CASE("enrolment messages and codes") {
    const std::string requestId = newUuidV4();
    auto request = enrollRequestFromJson({{"code", "K7QM-3XHD-9PLA"}, {"request_id", requestId}});
    REQUIRE(request.ok());
    CHECK(request->code == "K7QM-3XHD-9PLA");
    CHECK_FALSE(enrollRequestFromJson({{"code", "K7QM"}}).ok());
    CHECK_FALSE(enrollRequestFromJson({{"code", 7}, {"request_id", requestId}}).ok());
    CHECK(normalizeEnrollCode("k7qm-3xhd 9pla") == "K7QM3XHD9P1A");
    CHECK(normalizeEnrollCode("O0-Il") == "0011");
    const EnrollResponse response{"d1", "tok", "u1", "Solhaven", "key"};
    auto parsed = enrollResponseFromJson(toJson(response));
    REQUIRE(parsed.ok());
    CHECK(parsed->unitName == "Solhaven");
    CHECK(toJson(response)["unit"] == json{{"id", "u1"}, {"name", "Solhaven"}});
    CHECK_FALSE(enrollResponseFromJson({{"device_id", "d"}}).ok());
}
