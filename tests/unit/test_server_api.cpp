// The endpoints of PROTOCOL.md called directly, with request bodies as plain strings: enrolment, the
// survey with its ETag, batches (accepted, duplicate, rejected with reasons, dead letters), tokens,
// and a table of malformed requests of which nothing may be stored.
#include "svarboks/server/body.hpp"
#include "svarboks/shared/hashing.hpp"
#include "test_server_fixture.hpp"

#include <doctest/doctest.h>

#include <set>

using namespace svarboks;
using svarboks::test::Central;
using svarboks::test::Enrolled;
using nlohmann::json;
using server::HttpRequest;
using server::HttpResponse;

namespace {

std::string errorOf(const HttpResponse& response) {
    const auto body = json::parse(response.body, nullptr, false);
    return body.is_object() && body.contains("error") ? body["error"].get<std::string>() : "";
}

HttpRequest enrollRequest(const std::string& code, const std::string& requestId, const std::string& address = "192.0.2.1") {
    auto request = HttpRequest::make("POST", "/api/v1/enroll", Central::enrollBody(code, requestId));
    request.clientAddress = address;
    return request;
}

HttpRequest surveyRequest(const Enrolled& device, const std::string& ifNoneMatch = "") {
    auto request = HttpRequest::make("GET", "/api/v1/survey", "", device.bearer());
    request.setHeader("If-None-Match", ifNoneMatch);
    return request;
}

// A Storage that fails every batch, to see the 503 the protocol asks for.
class FailingStore final : public server::Storage {
public:
    explicit FailingStore(server::Storage& inner) : m_inner(inner) {}
    shared::Status ping() override { return shared::Error{"down"}; }
    shared::Status addUnit(const server::Unit& u) override { return m_inner.addUnit(u); }
    shared::Result<std::vector<server::Unit>> units() override { return m_inner.units(); }
    shared::Result<std::optional<server::Unit>> findUnit(const std::string& id) override { return m_inner.findUnit(id); }
    shared::Status addEnrolmentCode(const std::string& h, const std::string& u, std::int64_t e) override { return m_inner.addEnrolmentCode(h, u, e); }
    shared::Result<server::EnrolOutcome> enrol(const server::EnrolAttempt&) override { return shared::Error{"disk I/O error"}; }
    shared::Result<std::optional<server::Device>> authenticate(const std::string& t, const std::string& d) override { return m_inner.authenticate(t, d); }
    shared::Result<std::optional<server::Device>> findDevice(const std::string& id) override { return m_inner.findDevice(id); }
    shared::Result<std::vector<server::Device>> devices() override { return m_inner.devices(); }
    shared::Status revokeDevice(const std::string& id) override { return m_inner.revokeDevice(id); }
    shared::Status setDeviceSurvey(const std::string& id, const std::string& s, const std::string& v) override {
        return m_inner.setDeviceSurvey(id, s, v);
    }
    shared::Status publishSurvey(const server::PublishedSurvey& s, const std::string& u) override { return m_inner.publishSurvey(s, u); }
    shared::Result<std::vector<server::PublishedSurvey>> surveys() override { return m_inner.surveys(); }
    shared::Result<std::optional<server::PublishedSurvey>> currentSurvey(const std::string& u) override { return m_inner.currentSurvey(u); }
    shared::Result<std::optional<server::PublishedSurvey>> findSurvey(const std::string& s, const std::string& v, const std::string& u) override {
        return m_inner.findSurvey(s, v, u);
    }
    shared::Result<std::optional<std::string>> surveyDefinition(const std::string& s, const std::string& v) override {
        return m_inner.surveyDefinition(s, v);
    }
    shared::Status publishSurveyTo(const server::PublishedSurvey& s, const server::PublishTargets& t) override { return m_inner.publishSurveyTo(s, t); }
    shared::Status retireSurvey(const std::string& s, const std::string& v, const std::string& d) override { return m_inner.retireSurvey(s, v, d); }
    shared::Status addDraft(const server::SurveyDraft& d) override { return m_inner.addDraft(d); }
    shared::Result<std::vector<server::SurveyDraft>> drafts() override { return m_inner.drafts(); }
    shared::Result<std::optional<server::SurveyDraft>> findDraft(const std::string& id) override { return m_inner.findDraft(id); }
    shared::Status removeDraft(const std::string& id) override { return m_inner.removeDraft(id); }
    shared::Result<std::vector<server::StoredItem>> storeItems(std::span<const server::IncomingItem>, const std::string&) override {
        return shared::Error{"database or disk is full"};
    }
    shared::Status forEachResponse(const std::function<bool(const server::StoredResponse&)>& v) override { return m_inner.forEachResponse(v); }
    shared::Result<std::int64_t> responseCount() override { return m_inner.responseCount(); }
    shared::Result<std::vector<server::DeadLetter>> deadLetters() override { return m_inner.deadLetters(); }
    shared::Status setUnitGroup(const std::string& id, const std::string& g) override { return m_inner.setUnitGroup(id, g); }
    shared::Status renameUnit(const std::string& id, const std::string& n) override { return m_inner.renameUnit(id, n); }
    shared::Status retireUnit(const std::string& id) override { return m_inner.retireUnit(id); }
    shared::Status aggregateTallies(const server::TallyQuery& q, const std::function<void(const server::TallyRow&)>& v) override {
        return m_inner.aggregateTallies(q, v);
    }
    shared::Result<bool> talliesStale() override { return m_inner.talliesStale(); }
    shared::Status rebuildTallies(const std::function<shared::Result<std::vector<server::Tally>>(const server::StoredResponse&)>& c) override {
        return m_inner.rebuildTallies(c);
    }
    shared::Result<std::int64_t> deadLetterCount() override { return m_inner.deadLetterCount(); }
    shared::Status addUser(const server::UserAccount& u) override { return m_inner.addUser(u); }
    shared::Result<std::vector<server::UserAccount>> users() override { return m_inner.users(); }
    shared::Result<std::optional<server::UserAccount>> findUser(const std::string& n) override { return m_inner.findUser(n); }
    shared::Status removeUser(const std::string& n) override { return m_inner.removeUser(n); }
    shared::Result<std::optional<server::UserAccount>> recordLoginFailure(const std::string& n, int m, std::int64_t l) override {
        return m_inner.recordLoginFailure(n, m, l);
    }
    shared::Status clearLoginFailures(const std::string& n) override { return m_inner.clearLoginFailures(n); }
    shared::Status recordLogin(const std::string& n, std::int64_t at) override { return m_inner.recordLogin(n, at); }
    shared::Status setUserDisabled(const std::string& n, bool d) override { return m_inner.setUserDisabled(n, d); }
    shared::Status setUserPassword(const std::string& n, const std::string& h, bool m, const std::string& k) override {
        return m_inner.setUserPassword(n, h, m, k);
    }
    shared::Status addSession(const server::Session& s) override { return m_inner.addSession(s); }
    shared::Result<std::optional<server::Session>> findSession(const std::string& t) override { return m_inner.findSession(t); }
    shared::Status touchSession(const std::string& t, std::int64_t at) override { return m_inner.touchSession(t, at); }
    shared::Status removeSession(const std::string& t) override { return m_inner.removeSession(t); }
    shared::Status removeExpiredSessions(std::int64_t c, std::int64_t u) override { return m_inner.removeExpiredSessions(c, u); }
    shared::Status setUserRole(const std::string& n, const std::string& r, const std::vector<std::string>& s) override {
        return m_inner.setUserRole(n, r, s);
    }
    shared::Result<int> groupSize() override { return m_inner.groupSize(); }
    shared::Status setGroupSize(int k) override { return m_inner.setGroupSize(k); }
    shared::Status addRound(const server::Round& r) override { return m_inner.addRound(r); }
    shared::Result<std::vector<server::Round>> rounds() override { return m_inner.rounds(); }
    shared::Result<std::int64_t> releaseRound(const std::string& id, const std::string& today) override { return m_inner.releaseRound(id, today); }
    shared::Result<std::vector<server::RoundUnit>> roundUnits(const std::string& id) override { return m_inner.roundUnits(id); }
    shared::Result<std::vector<std::string>> deleteBefore(const std::string& w) override { return m_inner.deleteBefore(w); }
    shared::Status addAudit(const server::AuditEntry& e) override { return m_inner.addAudit(e); }
    shared::Result<std::vector<server::AuditEntry>> audit(std::size_t limit) override { return m_inner.audit(limit); }
    shared::Result<std::optional<std::int64_t>> takeAttempt(const std::string& k, int perMinute, std::int64_t nowMs) override {
        if (failAttempts) return shared::Error{"database is locked"};
        return m_inner.takeAttempt(k, perMinute, nowMs);
    }
    shared::Status keepOnce(const std::string& id, const std::string& o, const std::string& s, std::int64_t e) override { return m_inner.keepOnce(id, o, s, e); }
    shared::Result<std::optional<std::string>> takeOnce(const std::string& id, const std::string& o, std::int64_t now) override {
        return m_inner.takeOnce(id, o, now);
    }

    bool failAttempts = false;  ///< the enrolment limit cannot be kept either

private:
    server::Storage& m_inner;
};

}  // namespace

TEST_SUITE("server api") {

TEST_CASE("enrolment: a good code gives a device, its token, the unit and the public key") {
    Central central;
    const std::string code = central.makeCode("solhoj");
    const auto response = central.api->handle(enrollRequest(code, shared::newUuidV4()));
    REQUIRE(response.status == 200);
    auto reply = shared::enrollResponseFromJson(json::parse(response.body));
    REQUIRE(reply.ok());
    CHECK(shared::isUuidV4(reply->deviceId));
    CHECK(reply->deviceToken.size() >= 43);  // 32 bytes, base64url
    CHECK(reply->unitId == "solhoj");
    CHECK(reply->unitName == "Plejecenter Solhøj");
    CHECK(reply->publicKey == shared::publicKeyToBase64(central.keys.publicKey));

    SUBCASE("the store keeps only the token's hash") {
        std::string stored;
        central.query("SELECT token_sha256 FROM devices", [&](sqlite3_stmt* row) { stored = Central::text(row, 0); });
        CHECK(stored == shared::sha256Hex(reply->deviceToken));
        central.query("SELECT * FROM devices", [&](sqlite3_stmt* row) {
            for (int c = 0; c < sqlite3_column_count(row); ++c) CHECK(Central::text(row, c).find(reply->deviceToken) == std::string::npos);
        });
        central.query("SELECT code_sha256 FROM enrolment_codes", [&](sqlite3_stmt* row) {
            CHECK(Central::text(row, 0) == shared::sha256Hex(shared::normalizeEnrollCode(code)));
        });
    }
    SUBCASE("the code may be typed in lower case, with spaces or look-alikes") {
        const std::string other = central.makeCode("vest");
        std::string typed = other;
        for (auto& c : typed) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        std::replace(typed.begin(), typed.end(), '-', ' ');
        CHECK(central.api->handle(enrollRequest(typed, shared::newUuidV4())).status == 200);
    }
}

TEST_CASE("enrolment codes: 12 Crockford symbols in groups of four, 60 random bits") {
    std::set<std::string> seen;
    for (int i = 0; i < 200; ++i) {
        const std::string code = server::generateEnrolmentCode();
        CHECK(test::isEnrolmentCodeShape(code));
        CHECK(shared::normalizeEnrollCode(code).size() == 12);
        seen.insert(code);
    }
    CHECK(seen.size() == 200);
}

TEST_CASE("enrolment: unknown, used and expired codes get 403 with one message") {
    Central central;
    const std::string used = central.makeCode("solhoj");
    REQUIRE(central.api->handle(enrollRequest(used, shared::newUuidV4())).status == 200);
    const std::string expired = central.makeCode("solhoj", std::chrono::hours(1));
    central.fakeClock.advance(std::chrono::hours(2));

    const auto unknown = central.api->handle(enrollRequest("K7QM-3XHD-9PAB", shared::newUuidV4()));
    const auto again = central.api->handle(enrollRequest(used, shared::newUuidV4()));
    const auto late = central.api->handle(enrollRequest(expired, shared::newUuidV4()));
    for (const auto* response : {&unknown, &again, &late}) {
        CHECK(response->status == 403);
        CHECK(errorOf(*response) == "this enrolment code is unknown, used or expired");
    }
    CHECK(unknown.body == again.body);
    CHECK(again.body == late.body);
    CHECK(central.count("devices") == 1);
}

TEST_CASE("enrolment is idempotent per request_id for at least 10 minutes") {
    Central central;
    const std::string code = central.makeCode("solhoj");
    const std::string requestId = shared::newUuidV4();
    const auto first = central.api->handle(enrollRequest(code, requestId));
    REQUIRE(first.status == 200);

    SUBCASE("the same code and request_id get the same device and token") {
        central.fakeClock.advance(std::chrono::minutes(10));
        const auto second = central.api->handle(enrollRequest(code, requestId));
        CHECK(second.status == 200);
        CHECK(second.body == first.body);
        CHECK(central.count("devices") == 1);
        // and that token works
        const Enrolled device{json::parse(second.body)["device_id"], json::parse(second.body)["device_token"]};
        CHECK(central.api->handle(surveyRequest(device)).status == 200);
    }
    SUBCASE("typed differently, it is still the same code") {
        std::string typed = code;
        for (auto& c : typed) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        CHECK(central.api->handle(enrollRequest(typed, requestId)).body == first.body);
    }
    SUBCASE("the same code with another request_id is refused like a used code") {
        const auto other = central.api->handle(enrollRequest(code, shared::newUuidV4()));
        CHECK(other.status == 403);
        CHECK(errorOf(other) == "this enrolment code is unknown, used or expired");
    }
    SUBCASE("after the window the token is gone from the store and the retry is refused") {
        central.fakeClock.advance(server::kReplayWindow + std::chrono::seconds(1));
        CHECK(central.api->handle(enrollRequest(code, requestId)).status == 403);
        std::int64_t kept = -1;
        central.query("SELECT count(*) FROM enrolment_codes WHERE replay_token IS NOT NULL", [&](sqlite3_stmt* row) { kept = sqlite3_column_int64(row, 0); });
        CHECK(kept == 0);
    }
    SUBCASE("a revoked device is not handed out again") {
        REQUIRE(central.store->revokeDevice(json::parse(first.body)["device_id"].get<std::string>()).ok());
        CHECK(central.api->handle(enrollRequest(code, requestId)).status == 403);
    }
    SUBCASE("the stored copy of the token is sealed, not the token itself") {
        const std::string token = json::parse(first.body)["device_token"];
        central.query("SELECT replay_token FROM enrolment_codes", [&](sqlite3_stmt* row) {
            const std::string blob(static_cast<const char*>(sqlite3_column_blob(row, 0)), static_cast<std::size_t>(sqlite3_column_bytes(row, 0)));
            CHECK(blob.find(token) == std::string::npos);
            CHECK(server::openReplayToken(blob, code, requestId).value() == token);
            CHECK_FALSE(server::openReplayToken(blob, code, shared::newUuidV4()).ok());
            CHECK_FALSE(server::openReplayToken(blob, "K7QM-3XHD-9PAB", requestId).ok());
        });
    }
}

TEST_CASE("enrolment is rate-limited per client address: 429 with Retry-After") {
    server::ApiOptions options;  // the default: 10 attempts a minute per address
    Central central(options);
    for (int i = 0; i < 10; ++i) {
        CHECK(central.api->handle(enrollRequest("K7QM-3XHD-9PAB", shared::newUuidV4(), "198.51.100.7")).status == 403);
    }
    const auto limited = central.api->handle(enrollRequest("K7QM-3XHD-9PAB", shared::newUuidV4(), "198.51.100.7"));
    CHECK(limited.status == 429);
    const int retryAfter = std::stoi(limited.header("Retry-After"));
    CHECK(retryAfter >= 1);
    CHECK(retryAfter <= 60);
    // even a good code waits: the limit is per address, not per outcome
    const std::string code = central.makeCode("solhoj");
    CHECK(central.api->handle(enrollRequest(code, shared::newUuidV4(), "198.51.100.7")).status == 429);
    // another address is not affected
    CHECK(central.api->handle(enrollRequest(code, shared::newUuidV4(), "198.51.100.8")).status == 200);
    // and the first one may try again once the bucket refills
    central.fakeClock.advance(std::chrono::seconds(retryAfter));
    CHECK(central.api->handle(enrollRequest("K7QM-3XHD-9PAB", shared::newUuidV4(), "198.51.100.7")).status == 403);
}

TEST_CASE("enrolment rate limit: kept in the store, so replicas on one store count together, by a daily keyed hash of the address") {
    server::ApiOptions options;  // 10 attempts a minute per address
    Central central(options);
    // A second replica: its own process would have its own connection to the same store, and the same keys.
    auto otherStore = central.openAnother();
    REQUIRE(otherStore.ok());
    server::Api other(**otherStore, central.keys, options, central.fakeClock.clock());
    for (int i = 0; i < 10; ++i) {
        server::Api& replica = i % 2 == 0 ? *central.api : other;
        CHECK(replica.handle(enrollRequest("K7QM-3XHD-9PAB", shared::newUuidV4(), "198.51.100.7")).status == 403);
    }
    CHECK(other.handle(enrollRequest("K7QM-3XHD-9PAB", shared::newUuidV4(), "198.51.100.7")).status == 429);
    CHECK(central.api->handle(enrollRequest("K7QM-3XHD-9PAB", shared::newUuidV4(), "198.51.100.7")).status == 429);

    // The store holds no address: one bucket, under a key that is neither the address nor its plain hash.
    std::vector<std::string> keys;
    central.query("SELECT key FROM attempt_buckets", [&](sqlite3_stmt* row) { keys.push_back(Central::text(row, 0)); });
    REQUIRE(keys.size() == 1);
    CHECK(keys[0].find("198.51.100.7") == std::string::npos);
    CHECK(keys[0] != shared::sha256Hex("198.51.100.7"));
    CHECK(keys[0] == server::attemptKey(server::limitSecretFrom(central.keys), "enrol", "198.51.100.7", central.fakeClock.now()));
    // The next day the same address has another key: buckets of two days cannot be linked.
    CHECK(server::attemptKey(server::limitSecretFrom(central.keys), "enrol", "198.51.100.7", central.fakeClock.now() + std::chrono::hours(24)) != keys[0]);
    // Another data folder's key makes other keys.
    CHECK(server::attemptKey(server::randomLimitSecret(), "enrol", "198.51.100.7", central.fakeClock.now()) != keys[0]);
}

TEST_CASE("enrolment rate limit: IPv6 clients count per /64, IPv4-mapped ones per address") {
    server::ApiOptions options;
    Central central(options);
    for (int i = 1; i <= 10; ++i) {
        CHECK(central.api->handle(enrollRequest("0000-0000-0000", shared::newUuidV4(), "2001:db8:1:2::" + std::to_string(i))).status == 403);
    }
    CHECK(central.api->handle(enrollRequest("0000-0000-0000", shared::newUuidV4(), "2001:db8:1:2:ffff::99")).status == 429);
    CHECK(central.api->handle(enrollRequest("0000-0000-0000", shared::newUuidV4(), "2001:db8:1:3::1")).status == 403);
    for (int i = 1; i <= 10; ++i) {
        CHECK(central.api->handle(enrollRequest("0000-0000-0000", shared::newUuidV4(), "::ffff:192.0.2." + std::to_string(i))).status == 403);
    }
}

TEST_CASE("the survey: 200 with an ETag, 304 on If-None-Match, 404 with none assigned") {
    Central central;
    const Enrolled device = central.enrol("solhoj");
    const auto response = central.api->handle(surveyRequest(device));
    REQUIRE(response.status == 200);
    const auto body = json::parse(response.body);
    CHECK(body["public_key"] == shared::publicKeyToBase64(central.keys.publicKey));
    // the definition as published: hashing its canonical form gives the survey's definition_sha256
    CHECK(shared::sha256Hex(shared::canonicalDefinition(body["survey"])) == central.pulse.definitionSha256);
    auto parsed = shared::parseSurvey(body["survey"].dump(), "served.json");
    REQUIRE(parsed.ok());
    CHECK(parsed.survey->id == "pulse");
    const std::string etag = response.header("ETag");
    CHECK(etag == "\"" + central.pulse.definitionSha256 + "\"");

    const auto cached = central.api->handle(surveyRequest(device, etag));
    CHECK(cached.status == 304);
    CHECK(cached.body.empty());
    CHECK(cached.header("ETag") == etag);
    CHECK(central.api->handle(surveyRequest(device, "W/" + etag)).status == 304);
    CHECK(central.api->handle(surveyRequest(device, "\"other\", " + etag)).status == 304);
    CHECK(central.api->handle(surveyRequest(device, "\"other\"")).status == 200);

    SUBCASE("a new publication changes the ETag") {
        central.publish(test::defaultSurveyPath(), server::kAllUnits);
        const auto changed = central.api->handle(surveyRequest(device, etag));
        CHECK(changed.status == 200);
        CHECK(changed.header("ETag") != etag);
    }
    SUBCASE("a unit with no survey gets 404") {
        const Enrolled elsewhere = central.enrol("vest");
        const auto none = central.api->handle(surveyRequest(elsewhere));
        CHECK(none.status == 404);
        CHECK(errorOf(none).find("no survey is published") != std::string::npos);
        central.publish(test::defaultSurveyPath(), server::kAllUnits);
        CHECK(central.api->handle(surveyRequest(elsewhere)).status == 200);
    }
}

TEST_CASE("device tokens: missing, malformed, unknown and revoked get 401") {
    Central central;
    const Enrolled device = central.enrol();
    const std::string body = Central::batchBody({{shared::newUuidV4(), central.sealValid()}});
    for (const std::string& authorization : {std::string(), std::string("Bearer"), std::string("Bearer "), std::string("Basic dXNlcjpwdw=="),
                                             std::string("Bearer ") + std::string(600, 'a'), std::string("Bearer not-a-token"),
                                             "Bearer " + device.token + "x"}) {
        CAPTURE(authorization);
        const auto batch = central.api->handle(HttpRequest::make("POST", "/api/v1/batches", body, authorization));
        CHECK(batch.status == 401);
        CHECK(batch.header("WWW-Authenticate") == "Bearer");
        CHECK(central.api->handle(HttpRequest::make("GET", "/api/v1/survey", "", authorization)).status == 401);
    }
    CHECK(central.postBatch(device, body).status == 200);
    CHECK(central.api->handle(HttpRequest::make("POST", "/api/v1/batches", body, "bearer " + device.token)).status == 200);

    REQUIRE(central.store->revokeDevice(device.deviceId).ok());
    const auto revoked = central.postBatch(device, Central::batchBody({{shared::newUuidV4(), central.sealValid()}}));
    CHECK(revoked.status == 401);
    CHECK(errorOf(revoked).find("revoked") != std::string::npos);
    CHECK(central.api->handle(surveyRequest(device)).status == 401);
    CHECK(central.count("responses") == 1);
}

TEST_CASE("batches: accepted, duplicate and rejected, one result per response in order") {
    Central central;
    const Enrolled device = central.enrol("solhoj");
    const std::string good = central.sealValid();
    const std::string goodId = shared::newUuidV4();
    REQUIRE(central.postBatch(device, Central::batchBody({{goodId, good}})).status == 200);

    shared::KeyPair otherKeys = shared::generateKeyPair();
    const std::string forAnotherKey = shared::toBase64(shared::seal(shared::toJson(Central::payloadFor(central.pulse, test::validPulseAnswers())).dump(), otherKeys.publicKey));
    auto unknownVersion = Central::payloadFor(central.pulse, test::validPulseAnswers());
    unknownVersion.surveyVersion = "2026.9";
    auto badAnswers = Central::payloadFor(central.pulse, {{"used_tools", true}, {"problem_solved", 7}});
    auto otherDefinition = Central::payloadFor(central.pulse, test::validPulseAnswers());
    otherDefinition.definitionSha256 = std::string(64, 'a');
    auto otherConsent = Central::payloadFor(central.pulse, test::validPulseAnswers());
    otherConsent.consentSha256 = std::string(64, 'b');
    const std::string notAPayload = shared::toBase64(shared::seal(R"({"survey_id":"pulse"})", central.keys.publicKey));
    const std::string strayBits = "AB==";  // base64 in shape, but strict decoding refuses it
    auto ahead = Central::payloadFor(central.pulse, test::validPulseAnswers());
    ahead.period = "2026-W50";  // the server's week is 2026-W48: two weeks ahead is a wrong clock
    auto ancient = Central::payloadFor(central.pulse, test::validPulseAnswers());
    ancient.period = "2023-W47";  // older than the 3-year retention
    auto nextWeek = Central::payloadFor(central.pulse, test::validPulseAnswers());
    nextWeek.period = "2026-W49";  // a clock a few days ahead: kept

    const std::vector<shared::BatchItem> items = {
        {shared::newUuidV4(), central.sealValid()},
        {goodId, good},
        {shared::newUuidV4(), forAnotherKey},
        {shared::newUuidV4(), central.seal(unknownVersion)},
        {shared::newUuidV4(), central.seal(badAnswers)},
        {shared::newUuidV4(), central.seal(otherDefinition)},
        {shared::newUuidV4(), central.seal(otherConsent)},
        {shared::newUuidV4(), notAPayload},
        {shared::newUuidV4(), strayBits},
        {shared::newUuidV4(), "!!not base64!!"},
        {shared::newUuidV4(), "ab-_ab-_"},
        {shared::newUuidV4(), ""},
        {shared::newUuidV4(), central.seal(ahead)},
        {shared::newUuidV4(), central.seal(ancient)},
        {shared::newUuidV4(), central.seal(nextWeek)},
    };
    const auto response = central.postBatch(device, Central::batchBody(items, "5b1c7a3e-2f0d-4a8b-9c6e-1d2f3a4b5c6d"));
    REQUIRE(response.status == 200);
    const auto body = json::parse(response.body);
    CHECK(body["batch_id"] == "5b1c7a3e-2f0d-4a8b-9c6e-1d2f3a4b5c6d");
    const auto& results = body["results"];
    REQUIRE(results.size() == items.size());
    for (std::size_t i = 0; i < items.size(); ++i) CHECK(results[i]["id"] == items[i].id);

    CHECK(results[0]["status"] == "accepted");
    CHECK_FALSE(results[0].contains("error"));
    CHECK(results[1]["status"] == "duplicate");
    CHECK(results[2]["status"] == "rejected");
    CHECK(results[2]["error"].get<std::string>().find("cannot be decrypted") != std::string::npos);
    CHECK(results[3]["status"] == "rejected");
    CHECK(results[3]["error"] == "survey pulse 2026.9 is not published");
    CHECK(results[4]["status"] == "rejected");
    CHECK(results[4]["error"] == "answer to 'problem_solved': the answer 7 is not one of its choices");
    CHECK(results[5]["error"].get<std::string>().find("definition_sha256 does not match survey pulse 2026.1") != std::string::npos);
    CHECK(results[6]["error"].get<std::string>().find("consent_sha256 does not match") != std::string::npos);
    CHECK(results[7]["error"].get<std::string>().find("not a valid response") != std::string::npos);
    CHECK(results[8]["error"].get<std::string>().find("not valid base64") != std::string::npos);
    // Not base64 at all: rejected one by one, beside their neighbours (PROTOCOL.md), not a 400 for the batch.
    for (std::size_t i = 9; i <= 11; ++i) {
        CAPTURE(i);
        CHECK(results[i]["status"] == "rejected");
        CHECK(results[i]["error"].get<std::string>().rfind(i < 11 ? "sealed: " : "cannot be decrypted", 0) == 0);
    }
    CHECK(results[12]["error"] == "period 2026-W50 is more than a week ahead of the server's week 2026-W48 (is the kiosk's clock wrong?)");
    CHECK(results[13]["error"] ==
          "period 2023-W47 is older than the 3-year retention (the oldest week kept is 2023-W48); answers are not kept that long");
    CHECK(results[14]["status"] == "accepted");

    // everything rejected is kept, with its reason and the week it came
    CHECK(central.count("responses") == 3);
    CHECK(central.count("dead_letters") == 12);
    std::map<std::string, std::string> reasons;
    central.query("SELECT id, reason, received_week, sealed FROM dead_letters", [&](sqlite3_stmt* row) {
        reasons[Central::text(row, 0)] = Central::text(row, 1);
        CHECK(Central::text(row, 2) == "2026-W48");
        CHECK((!Central::text(row, 3).empty() || Central::text(row, 0) == items[11].id));  // as received
    });
    for (std::size_t i = 2; i + 1 < items.size(); ++i) CHECK(reasons[items[i].id] == results[i]["error"]);
}

TEST_CASE("batches: the same id with other sealed bytes is rejected and never overwrites") {
    Central central;
    const Enrolled device = central.enrol();
    const std::string id = shared::newUuidV4();
    REQUIRE(central.postBatch(device, Central::batchBody({{id, central.sealValid()}})).status == 200);
    std::string before;
    central.query("SELECT answers || sealed_sha256 FROM responses", [&](sqlite3_stmt* row) { before = Central::text(row, 0); });

    // a valid response of its own, but under an id that is taken
    const auto other = central.seal(Central::payloadFor(central.pulse, {{"used_tools", false}}));
    const auto response = central.postBatch(device, Central::batchBody({{id, other}}));
    REQUIRE(response.status == 200);
    const auto result = json::parse(response.body)["results"][0];
    CHECK(result["status"] == "rejected");
    CHECK(result["error"].get<std::string>().find("already stored with a different sealed payload") != std::string::npos);
    std::string after;
    central.query("SELECT answers || sealed_sha256 FROM responses", [&](sqlite3_stmt* row) { after = Central::text(row, 0); });
    CHECK(after == before);
    CHECK(central.count("responses") == 1);
    CHECK(central.count("dead_letters") == 1);
}

TEST_CASE("batches: a survey published for another unit is refused for this one") {
    Central central;
    const Enrolled device = central.enrol("vest");
    const auto response = central.postBatch(device, Central::batchBody({{shared::newUuidV4(), central.sealValid()}}));
    REQUIRE(response.status == 200);
    CHECK(json::parse(response.body)["results"][0]["error"] == "survey pulse 2026.1 is not published for this device's unit");
    central.publish(Central::pulsePath(), "vest");
    const auto later = central.postBatch(device, Central::batchBody({{shared::newUuidV4(), central.sealValid()}}));
    CHECK(json::parse(later.body)["results"][0]["status"] == "accepted");
}

TEST_CASE("batches: a resent batch is all duplicates and counted once") {
    Central central;
    const Enrolled device = central.enrol();
    std::vector<shared::BatchItem> items;
    for (int i = 0; i < 20; ++i) items.push_back({shared::newUuidV4(), central.sealValid()});
    const std::string body = Central::batchBody(items);
    const auto first = central.postBatch(device, body);
    const auto second = central.postBatch(device, body);
    for (const auto& result : json::parse(first.body)["results"].get<std::vector<json>>()) CHECK(result["status"] == "accepted");
    for (const auto& result : json::parse(second.body)["results"].get<std::vector<json>>()) CHECK(result["status"] == "duplicate");
    CHECK(central.count("responses") == 20);
}

TEST_CASE("batches: gzip bodies are accepted") {
    Central central;
    const Enrolled device = central.enrol();
    const std::string body = Central::batchBody({{shared::newUuidV4(), central.sealValid()}});
    const auto response = central.postBatch(device, server::gzipCompress(body), "gzip");
    REQUIRE(response.status == 200);
    CHECK(json::parse(response.body)["results"][0]["status"] == "accepted");
}

TEST_CASE("stored responses carry unit, survey, week, locale and answers, and nothing of device or batch") {
    Central central;
    const Enrolled device = central.enrol();
    const std::string batchId = shared::newUuidV4();
    std::vector<shared::BatchItem> items;
    for (int i = 0; i < 30; ++i) items.push_back({shared::newUuidV4(), central.sealValid()});
    REQUIRE(central.postBatch(device, Central::batchBody(items, batchId)).status == 200);

    std::vector<std::string> columns;
    central.query(test::onPostgres() ? "SELECT column_name FROM information_schema.columns WHERE table_name = 'responses' ORDER BY ordinal_position"
                                     : "SELECT name FROM pragma_table_info('responses') ORDER BY cid",
                  [&](sqlite3_stmt* row) { columns.push_back(Central::text(row, 0)); });
    // round_id: the released round it was frozen into ('' until then), nothing about when it arrived
    CHECK(columns == std::vector<std::string>{"id", "unit_id", "survey_id", "survey_version", "period", "locale", "answers", "sealed_sha256", "round_id"});
    if (!test::onPostgres()) {  // PostgreSQL's heap order is settled instead (postgresql_tests)
        bool withoutRowid = false;
        central.query("SELECT sql FROM sqlite_master WHERE name = 'responses'", [&](sqlite3_stmt* row) {
            withoutRowid = Central::text(row, 0).find("WITHOUT ROWID") != std::string::npos;
        });
        CHECK(withoutRowid);  // no hidden rowid counting arrivals
    }

    std::int64_t rows = 0;
    central.query("SELECT * FROM responses", [&](sqlite3_stmt* row) {
        ++rows;
        for (int c = 0; c < sqlite3_column_count(row); ++c) {
            const std::string value = Central::text(row, c);
            CHECK(value.find(device.deviceId) == std::string::npos);
            CHECK(value.find(batchId) == std::string::npos);
            CHECK(value.find(device.token) == std::string::npos);
        }
        CHECK(Central::text(row, 1) == "solhoj");
        CHECK(Central::text(row, 4) == "2026-W47");
        CHECK(json::parse(Central::text(row, 6)) == test::validPulseAnswers());
    });
    CHECK(rows == 30);
    // no other table holds the batch id either, and none ties a response to a device
    for (const char* table : {"devices", "enrolment_codes", "dead_letters", "surveys", "survey_units", "units"}) {
        central.query(std::string("SELECT * FROM ") + table, [&](sqlite3_stmt* row) {
            for (int c = 0; c < sqlite3_column_count(row); ++c) {
                const std::string value = Central::text(row, c);
                CHECK(value.find(batchId) == std::string::npos);
                for (const auto& item : items) CHECK(value.find(item.id) == std::string::npos);
            }
        });
    }
}

TEST_CASE("storage failures: 503 with Retry-After, and /healthz says so") {
    Central central;
    const Enrolled device = central.enrol();
    FailingStore failing(*central.store);
    server::Api api(failing, central.keys, Central::lenientOptions(), central.fakeClock.clock());
    const auto batch = api.handle(HttpRequest::make("POST", "/api/v1/batches", Central::batchBody({{shared::newUuidV4(), central.sealValid()}}), device.bearer()));
    CHECK(batch.status == 503);
    CHECK(std::stoi(batch.header("Retry-After")) > 0);
    const auto enrol = api.handle(HttpRequest::make("POST", "/api/v1/enroll", Central::enrollBody(central.makeCode("solhoj"), shared::newUuidV4())));
    CHECK(enrol.status == 503);
    CHECK(enrol.header("Retry-After") != "");
    // A store that cannot keep the enrolment limit: 503 too, never an enrolment past the limit.
    failing.failAttempts = true;
    const auto unlimited = api.handle(HttpRequest::make("POST", "/api/v1/enroll", Central::enrollBody(central.makeCode("solhoj"), shared::newUuidV4())));
    CHECK(unlimited.status == 503);
    CHECK(unlimited.header("Retry-After") != "");
    CHECK(central.count("devices") == 1);
    const auto health = api.handle(HttpRequest::make("GET", "/healthz"));
    CHECK(health.status == 503);
    CHECK(central.count("responses") == 0);
}

TEST_CASE("/healthz: ok while the store answers, 503 while draining") {
    Central central;
    const auto ok = central.api->handle(HttpRequest::make("GET", "/healthz"));
    CHECK(ok.status == 200);
    CHECK(ok.body == "ok");
    CHECK(ok.contentType == "text/plain");
    central.api->setDraining(true);
    CHECK(central.api->handle(HttpRequest::make("GET", "/healthz")).status == 503);
}

TEST_CASE("routing: unknown paths 404, wrong methods 405 with Allow") {
    Central central;
    CHECK(central.api->handle(HttpRequest::make("GET", "/api/v2/survey")).status == 404);
    CHECK(central.api->handle(HttpRequest::make("GET", "/")).status == 404);
    const auto wrong = central.api->handle(HttpRequest::make("GET", "/api/v1/batches"));
    CHECK(wrong.status == 405);
    CHECK(wrong.header("Allow") == "POST");
    CHECK(central.api->handle(HttpRequest::make("PUT", "/api/v1/survey")).header("Allow") == "GET, HEAD");
    CHECK(central.api->handle(HttpRequest::make("HEAD", "/healthz")).status == 200);
}

// ---- malformed requests: the documented status, and nothing stored ----

namespace {

struct Malformed {
    std::string name;
    std::string path;
    std::string body;
    std::string encoding;
    enum class Auth { Good, None, Unknown, Revoked, BasicScheme, EmptyBearer } auth = Auth::Good;
    int status = 400;
};

std::string nested(int depth) { return std::string(static_cast<std::size_t>(depth), '[') + std::string(static_cast<std::size_t>(depth), ']'); }

}  // namespace

TEST_CASE("malformed requests get their documented status and nothing of them is stored") {
    Central central;
    const Enrolled device = central.enrol();
    const Enrolled revoked = central.enrol();
    REQUIRE(central.store->revokeDevice(revoked.deviceId).ok());
    const std::string usedCode = central.makeCode("solhoj");
    REQUIRE(central.api->handle(enrollRequest(usedCode, shared::newUuidV4())).status == 200);

    const std::string sealed = central.sealValid();
    const std::string id = shared::newUuidV4();
    const auto batch = [&](const json& responses, const json& protocol = 1) {
        return json{{"protocol", protocol}, {"batch_id", shared::newUuidV4()}, {"responses", responses}}.dump();
    };
    const json item = {{"id", id}, {"sealed", sealed}};
    const auto items = [&](std::size_t n) {
        json list = json::array();
        for (std::size_t i = 0; i < n; ++i) list.push_back({{"id", shared::newUuidV4()}, {"sealed", sealed}});
        return list;
    };
    const std::string valid = batch(json::array({item}));
    const std::string gzipBomb = server::gzipCompress(std::string(64 * 1024 * 1024, ' '));
    const std::string gzipped = server::gzipCompress(valid);
    std::string invalidUtf8 = valid;
    invalidUtf8.insert(invalidUtf8.find("\"batch_id\":\"") + 12, "\xC3\x28");

    using A = Malformed::Auth;
    const std::string batches = "/api/v1/batches";
    const std::string enroll = "/api/v1/enroll";
    const std::vector<Malformed> cases = {
        {"not JSON", batches, "hello", "", A::Good, 400},
        {"empty body", batches, "", "", A::Good, 400},
        {"HTML of a captive portal", batches, "<html><body>Log in</body></html>", "", A::Good, 400},
        {"a JSON array", batches, "[]", "", A::Good, 400},
        {"a JSON string", batches, "\"batch\"", "", A::Good, 400},
        {"JSON null", batches, "null", "", A::Good, 400},
        {"trailing garbage after the object", batches, valid + " x", "", A::Good, 400},
        {"truncated JSON", batches, valid.substr(0, valid.size() / 2), "", A::Good, 400},
        {"invalid UTF-8", batches, invalidUtf8, "", A::Good, 400},
        {"nested 100 deep", batches, nested(100), "", A::Good, 400},
        {"protocol missing", batches, json{{"batch_id", shared::newUuidV4()}, {"responses", json::array({item})}}.dump(), "", A::Good, 400},
        {"protocol 2", batches, batch(json::array({item}), 2), "", A::Good, 400},
        {"protocol 0", batches, batch(json::array({item}), 0), "", A::Good, 400},
        {"protocol \"1\"", batches, batch(json::array({item}), "1"), "", A::Good, 400},
        {"protocol 1.5", batches, batch(json::array({item}), 1.5), "", A::Good, 400},
        {"protocol null", batches, batch(json::array({item}), nullptr), "", A::Good, 400},
        {"batch_id missing", batches, json{{"protocol", 1}, {"responses", json::array({item})}}.dump(), "", A::Good, 400},
        {"batch_id a number", batches, json{{"protocol", 1}, {"batch_id", 7}, {"responses", json::array({item})}}.dump(), "", A::Good, 400},
        {"batch_id not a UUID", batches, json{{"protocol", 1}, {"batch_id", "batch-7"}, {"responses", json::array({item})}}.dump(), "", A::Good, 400},
        {"batch_id empty", batches, json{{"protocol", 1}, {"batch_id", ""}, {"responses", json::array({item})}}.dump(), "", A::Good, 400},
        {"batch_id a 10 MB string", batches, json{{"protocol", 1}, {"batch_id", std::string(10 * 1024 * 1024, 'x')}, {"responses", json::array({item})}}.dump(), "", A::Good, 413},
        {"responses missing", batches, json{{"protocol", 1}, {"batch_id", shared::newUuidV4()}}.dump(), "", A::Good, 400},
        {"responses an object", batches, batch(item), "", A::Good, 400},
        {"responses empty", batches, batch(json::array()), "", A::Good, 400},
        {"501 responses", batches, batch(items(501)), "", A::Good, 413},
        {"an item that is a string", batches, batch(json::array({"x"})), "", A::Good, 400},
        {"an item without id", batches, batch(json::array({{{"sealed", sealed}}})), "", A::Good, 400},
        {"id not a UUID", batches, batch(json::array({{{"id", "abc"}, {"sealed", sealed}}})), "", A::Good, 400},
        {"id in upper case", batches, batch(json::array({{{"id", "0F8FAD5B-D9CB-469F-A165-70867728950E"}, {"sealed", sealed}}})), "", A::Good, 400},
        {"id a v1 UUID", batches, batch(json::array({{{"id", "0f8fad5b-d9cb-169f-a165-70867728950e"}, {"sealed", sealed}}})), "", A::Good, 400},
        {"id without dashes", batches, batch(json::array({{{"id", "0f8fad5bd9cb469fa16570867728950e"}, {"sealed", sealed}}})), "", A::Good, 400},
        {"id a number", batches, batch(json::array({{{"id", 5}, {"sealed", sealed}}})), "", A::Good, 400},
        {"id repeated in the batch", batches, batch(json::array({item, item})), "", A::Good, 400},
        {"sealed missing", batches, batch(json::array({{{"id", id}}})), "", A::Good, 400},
        {"sealed a number", batches, batch(json::array({{{"id", id}, {"sealed", 12}}})), "", A::Good, 400},
        {"one good item beside a bad id", batches, batch(json::array({item, {{"id", "nope"}, {"sealed", sealed}}})), "", A::Good, 400},
        {"a 10 MB body", batches, std::string(10 * 1024 * 1024, ' '), "", A::Good, 413},
        {"a gzip bomb", batches, gzipBomb, "gzip", A::Good, 413},
        {"truncated gzip", batches, gzipped.substr(0, gzipped.size() - 6), "gzip", A::Good, 400},
        {"gzip cut in half", batches, gzipped.substr(0, gzipped.size() / 2), "gzip", A::Good, 400},
        {"gzip with junk after it", batches, gzipped + "junk", "gzip", A::Good, 400},
        {"not gzip at all", batches, valid, "gzip", A::Good, 400},
        {"an unsupported Content-Encoding", batches, valid, "br", A::Good, 400},
        {"no token", batches, valid, "", A::None, 401},
        {"an unknown token", batches, valid, "", A::Unknown, 401},
        {"a revoked token", batches, valid, "", A::Revoked, 401},
        {"Basic instead of Bearer", batches, valid, "", A::BasicScheme, 401},
        {"an empty Bearer", batches, valid, "", A::EmptyBearer, 401},
        {"enrolment: not JSON", enroll, "code=K7QM", "", A::None, 400},
        {"enrolment: code missing", enroll, json{{"request_id", shared::newUuidV4()}}.dump(), "", A::None, 400},
        {"enrolment: code a number", enroll, json{{"code", 12}, {"request_id", shared::newUuidV4()}}.dump(), "", A::None, 400},
        {"enrolment: request_id not a UUID", enroll, json{{"code", usedCode}, {"request_id", "1"}}.dump(), "", A::None, 400},
        {"enrolment: a used code", enroll, Central::enrollBody(usedCode, shared::newUuidV4()), "", A::None, 403},
        {"enrolment: an unknown code", enroll, Central::enrollBody("0000-0000-0000", shared::newUuidV4()), "", A::None, 403},
        {"enrolment: a 10 MB code", enroll, Central::enrollBody(std::string(10 * 1024 * 1024, 'K'), shared::newUuidV4()), "", A::None, 413},
        {"enrolment: a gzip bomb", enroll, gzipBomb, "gzip", A::None, 413},
    };
    CHECK(cases.size() >= 40);

    const auto responsesBefore = central.count("responses");
    const auto deadBefore = central.count("dead_letters");
    const auto devicesBefore = central.count("devices");
    for (const auto& c : cases) {
        CAPTURE(c.name);
        std::string authorization;
        switch (c.auth) {
            case A::Good: authorization = device.bearer(); break;
            case A::None: break;
            case A::Unknown: authorization = "Bearer " + server::generateDeviceToken(); break;
            case A::Revoked: authorization = revoked.bearer(); break;
            case A::BasicScheme: authorization = "Basic " + device.token; break;
            case A::EmptyBearer: authorization = "Bearer "; break;
        }
        auto request = HttpRequest::make("POST", c.path, c.body, authorization);
        request.setHeader("Content-Encoding", c.encoding);
        const auto response = central.api->handle(request);
        CHECK(response.status == c.status);
        CHECK_FALSE(errorOf(response).empty());
        CHECK(central.count("responses") == responsesBefore);
        CHECK(central.count("dead_letters") == deadBefore);
        CHECK(central.count("devices") == devicesBefore);
    }
    // and the good batch those cases were made from is fine
    CHECK(central.postBatch(device, valid).status == 200);
    CHECK(central.count("responses") == responsesBefore + 1);
}

TEST_CASE("decodeBody: caps, truncation and junk") {
    const std::string text(100000, 'a');
    const std::string gz = server::gzipCompress(text);
    CHECK(server::decodeBody(gz, "gzip", 100000).bytes == text);
    CHECK(server::decodeBody(gz, " GZIP ", 100000).ok());
    CHECK(server::decodeBody(gz, "gzip", 99999).status == 413);
    CHECK(server::decodeBody(gz + gz, "gzip", 200000).bytes == text + text);  // several members, as RFC 1952 allows
    CHECK(server::decodeBody(gz.substr(0, gz.size() - 1), "gzip", 100000).status == 400);
    CHECK(server::decodeBody("", "gzip", 10).status == 400);
    CHECK(server::decodeBody(text, "", 99999).status == 413);
    CHECK(server::decodeBody(text, "identity", 100000).ok());
    CHECK(server::decodeBody(text, "deflate", 100000).status == 400);
}

}  // TEST_SUITE
