// Enrolment (POST /api/v1/enroll, idempotent by request_id) and survey updates (GET /api/v1/survey with an
// ETag; a new valid survey is offered, an invalid one refused and reported) against the scripted server.
#include "test_uploader_support.hpp"

#include "svarboks/shared/config.hpp"
#include "svarboks/shared/hashing.hpp"
#include "svarboks/shared/sealing.hpp"
#include "svarboks/shared/survey.hpp"
#include "svarboks/sync/enroll.hpp"
#include "svarboks/sync/uploader.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <sstream>

using namespace svarboks;
using namespace svarboks::test;
using namespace std::chrono_literals;
using nlohmann::json;
using Outcome = sync::PassReport::Outcome;
using Trigger = sync::SyncSession::Trigger;

namespace {

json pulseSurvey() { return json::parse(readFile(fs::path(SVARBOKS_SOURCE_DIR) / "assets/surveys/pulse.json")); }

const std::string kServerKey = shared::publicKeyToBase64(shared::generateKeyPair().publicKey);

// A server that enrols like PROTOCOL.md says: one code, the same answer for the same request_id.
struct Enroller {
    std::mutex mutex;
    std::map<std::string, json> answers;  // request_id -> reply
    std::string code = "K7QM-3XHD-9PLA";
    int devices = 0;

    FakeReply operator()(const FakeRequest& request) {
        const json body = json::parse(request.body, nullptr, false);
        if (!body.is_object() || !body.value("code", json()).is_string() || !body.value("request_id", json()).is_string()) {
            return FakeReply{400, R"({"error":"expected code and request_id"})"};
        }
        std::lock_guard lock(mutex);
        const std::string requestId = body["request_id"];
        if (auto it = answers.find(requestId); it != answers.end()) return FakeReply{200, it->second.dump()};
        if (shared::normalizeEnrollCode(body["code"].get<std::string>()) != shared::normalizeEnrollCode(code) || !answers.empty()) {
            return FakeReply{403, R"({"error":"unknown, used or expired code"})"};
        }
        ++devices;
        const json reply = {{"device_id", "dev-" + std::to_string(devices)},
                            {"device_token", shared::toBase64Url(shared::randomBytes(32))},
                            {"unit", {{"id", "unit-7"}, {"name", "Plejecenter Solhøj"}}},
                            {"public_key", kServerKey}};
        answers[requestId] = reply;
        return FakeReply{200, reply.dump()};
    }
};

sync::EnrollOptions enrollOptions(const FakeServer& server, std::vector<std::chrono::milliseconds>* sleeps = nullptr) {
    sync::EnrollOptions options;
    options.code = "k7qm-3xhd-9pla";
    options.endpointUrl = server.url();
    options.caFile = certificate().cert.string();
    options.connectTimeout = 2s;
    options.totalTimeout = 5s;
    options.sleep = [sleeps](std::chrono::milliseconds d) {
        if (sleeps) sleeps->push_back(d);
    };
    return options;
}

struct SurveyRig {
    TempDir dir;
    FakeServer server;
    FakeEnvironment env;
    shared::KioskConfig config = kioskConfig(dir.path(), server.url());

    std::unique_ptr<sync::SyncSession> session() {
        auto options = uploaderOptions(config);
        auto opened = sync::SyncSession::open(std::move(options), env.environment());
        REQUIRE(opened.ok());
        return std::move(opened).value();
    }
};

}  // namespace

TEST_SUITE("uploader enrolment") {
    TEST_CASE("a good code: device, token, unit and key are stored in a new config with mode 0600") {
        FakeServer server;
        auto enroller = std::make_shared<Enroller>();
        server.on("/api/v1/enroll", [enroller](const FakeRequest& request, int) { return (*enroller)(request); });
        auto options = enrollOptions(server);
        auto enrolment = sync::enrollDevice(options);
        REQUIRE_MESSAGE(enrolment.ok(), (enrolment.ok() ? "" : enrolment.error().message));
        CHECK(enrolment->tries == 1);
        CHECK(enrolment->response.deviceId == "dev-1");
        CHECK(shared::isUuidV4(enrolment->requestId));
        const auto requests = server.requests("/api/v1/enroll");
        REQUIRE(requests.size() == 1);
        CHECK(json::parse(requests[0].body) == json{{"code", "k7qm-3xhd-9pla"}, {"request_id", enrolment->requestId}});
        CHECK(requests[0].header("authorization").empty());

        TempDir dir;
        const fs::path file = dir.path() / "kiosk" / "kiosk.json";
        shared::KioskConfig fresh;
        fresh.surveyFile = (fs::path(SVARBOKS_SOURCE_DIR) / "assets/surveys/pulse.json").string();
        auto stored = sync::storeEnrolment(file, *enrolment, options, fresh);
        REQUIRE_MESSAGE(stored.ok(), (stored.ok() ? "" : stored.error().message));
        struct stat info{};
        REQUIRE(::stat(file.c_str(), &info) == 0);
        CHECK((info.st_mode & 0777) == 0600);
        auto loaded = shared::loadConfig(file);
        REQUIRE(loaded.ok());
        CHECK(loaded->deviceId == "dev-1");
        CHECK(loaded->deviceToken == enrolment->response.deviceToken);
        CHECK(loaded->endpointUrl == server.url());
        CHECK(loaded->caFile == certificate().cert.string());
        CHECK(loaded->unitName == "Plejecenter Solhøj");
        CHECK(loaded->centralPublicKey == kServerKey);
    }

    TEST_CASE("an existing config keeps its other keys") {
        FakeServer server;
        auto enroller = std::make_shared<Enroller>();
        server.on("/api/v1/enroll", [enroller](const FakeRequest& request, int) { return (*enroller)(request); });
        TempDir dir;
        const fs::path file = dir.path() / "kiosk.json";
        shared::KioskConfig before = kioskConfig(dir.path(), "https://old.example");
        before.idleTimeoutSeconds = 120;
        before.syncIntervalSeconds = 600;
        REQUIRE(shared::saveConfig(before, file).ok());
        const auto options = enrollOptions(server);
        auto enrolment = sync::enrollDevice(options);
        REQUIRE(enrolment.ok());
        auto stored = sync::storeEnrolment(file, *enrolment, options, {});
        REQUIRE(stored.ok());
        CHECK(stored->idleTimeoutSeconds == 120);
        CHECK(stored->syncIntervalSeconds == 600);
        CHECK(stored->endpointUrl == server.url());
        CHECK(stored->deviceToken == enrolment->response.deviceToken);
    }

    TEST_CASE("403: one message for unknown, used or expired codes, and no retry") {
        FakeServer server;
        auto enroller = std::make_shared<Enroller>();
        enroller->code = "AAAA-BBBB-CCCC";
        server.on("/api/v1/enroll", [enroller](const FakeRequest& request, int) { return (*enroller)(request); });
        std::vector<std::chrono::milliseconds> sleeps;
        auto enrolment = sync::enrollDevice(enrollOptions(server, &sleeps));
        REQUIRE_FALSE(enrolment.ok());
        CHECK(enrolment.error().message.find("refused the code: unknown, used or expired code") != std::string::npos);
        CHECK(server.requests("/api/v1/enroll").size() == 1);
        CHECK(sleeps.empty());
    }

    TEST_CASE("a lost reply is retried with the same request_id and gets the same device") {
        FakeServer server;
        auto enroller = std::make_shared<Enroller>();
        server.on("/api/v1/enroll", [enroller](const FakeRequest& request, int call) {
            FakeReply reply = (*enroller)(request);
            if (call == 1) reply.dropAfterHeaders = true;  // the server answered, the kiosk never heard it
            return reply;
        });
        std::vector<std::chrono::milliseconds> sleeps;
        auto enrolment = sync::enrollDevice(enrollOptions(server, &sleeps));
        REQUIRE_MESSAGE(enrolment.ok(), (enrolment.ok() ? "" : enrolment.error().message));
        CHECK(enrolment->tries == 2);
        CHECK(sleeps == std::vector<std::chrono::milliseconds>{2000ms});
        const auto requests = server.requests("/api/v1/enroll");
        REQUIRE(requests.size() == 2);
        CHECK(json::parse(requests[0].body)["request_id"] == json::parse(requests[1].body)["request_id"]);
        CHECK(enroller->devices == 1);
        CHECK(enrolment->response.deviceId == "dev-1");

        // Another attempt (a new request_id) with the same, now used, code is refused.
        auto again = sync::enrollDevice(enrollOptions(server));
        REQUIRE_FALSE(again.ok());
        CHECK(again.error().message.find("refused the code") != std::string::npos);
        // The same request_id, later, still gets the same answer.
        auto options = enrollOptions(server);
        options.requestId = enrolment->requestId;
        auto same = sync::enrollDevice(options);
        REQUIRE(same.ok());
        CHECK(same->response.deviceToken == enrolment->response.deviceToken);
    }

    TEST_CASE("a server that keeps failing: three tries with growing waits, then an error") {
        FakeServer server;
        server.on("/api/v1/enroll", [](const FakeRequest&, int) { return FakeReply{503, R"({"error":"starting up"})"}; });
        std::vector<std::chrono::milliseconds> sleeps;
        auto enrolment = sync::enrollDevice(enrollOptions(server, &sleeps));
        REQUIRE_FALSE(enrolment.ok());
        CHECK(enrolment.error().message.find("after 3 tries: server said 503: starting up") != std::string::npos);
        CHECK(sleeps == std::vector<std::chrono::milliseconds>{2000ms, 4000ms});
    }

    TEST_CASE("a captive portal's page is not an enrolment") {
        FakeServer server;
        server.on("/api/v1/enroll", [](const FakeRequest&, int) { return FakeReply{200, "<html>Wi-Fi login</html>", "text/html"}; });
        auto options = enrollOptions(server);
        options.tries = 1;
        auto enrolment = sync::enrollDevice(options);
        REQUIRE_FALSE(enrolment.ok());
        CHECK(enrolment.error().message.find("captive portal") != std::string::npos);
    }
}

TEST_SUITE("uploader survey updates") {
    TEST_CASE("200: a new valid survey is offered once, cached with its ETag; then 304 changes nothing") {
        SurveyRig rig;
        rig.server.on("/api/v1/survey", [&](const FakeRequest& request, int) {
            if (request.header("if-none-match") == "\"pulse-1\"") return FakeReply{304, ""};
            return FakeReply{200, json{{"survey", pulseSurvey()}, {"public_key", rig.config.centralPublicKey}}.dump(), "application/json",
                             {{"ETag", "\"pulse-1\""}}};
        });
        auto session = rig.session();
        const auto report = session->runPass(Trigger::Automatic);
        CHECK(report.outcome == Outcome::Delivered);
        auto survey = session->takeSurvey();
        REQUIRE(survey);
        CHECK(survey->id == "pulse");
        CHECK(survey->definitionSha256 == shared::sha256Hex(shared::canonicalDefinition(pulseSurvey())));
        CHECK_FALSE(session->takeSurvey());  // once
        CHECK(english().result(session->status().lastResult) == "new survey pulse 2026.1");
        CHECK(session->status().surveyNote.kind == sync::SurveyNote::Kind::None);
        auto cached = sync::loadCachedSurvey(rig.dir.path());
        REQUIRE(cached);
        CHECK(cached->definitionSha256 == survey->definitionSha256);

        rig.env.advance(5min);
        (void)session->runPass(Trigger::Automatic);
        const auto requests = rig.server.requests("/api/v1/survey");
        REQUIRE(requests.size() == 2);
        CHECK(requests[0].header("if-none-match").empty());
        CHECK(requests[1].header("if-none-match") == "\"pulse-1\"");
        CHECK(requests[1].header("authorization") == "Bearer " + rig.config.deviceToken);
        CHECK_FALSE(session->takeSurvey());
        CHECK(english().result(session->status().lastResult) == "survey up to date");

        // A restart remembers the ETag from the cache.
        auto restarted = rig.session();
        (void)restarted->runPass(Trigger::Automatic);
        CHECK(rig.server.requests("/api/v1/survey").back().header("if-none-match") == "\"pulse-1\"");
        CHECK_FALSE(restarted->takeSurvey());
    }

    TEST_CASE("the survey is checked every sync_interval_seconds, not on every new response") {
        SurveyRig rig;
        rig.config.syncIntervalSeconds = 300;
        rig.server.on("/api/v1/survey", [](const FakeRequest&, int) { return FakeReply{304, ""}; });
        auto session = rig.session();
        (void)session->runPass(Trigger::Automatic);
        rig.env.advance(10s);
        (void)session->runPass(Trigger::Automatic);
        CHECK(rig.server.requests("/api/v1/survey").size() == 1);
        rig.env.advance(300s);
        (void)session->runPass(Trigger::Automatic);
        CHECK(rig.server.requests("/api/v1/survey").size() == 2);
        (void)session->runPass(Trigger::Forced);
        CHECK(rig.server.requests("/api/v1/survey").size() == 3);
    }

    TEST_CASE("an invalid survey is refused, reported, and the old one kept") {
        SurveyRig rig;
        json broken = pulseSurvey();
        broken["pages"][0]["elements"][0]["type"] = "matrixdynamic";
        int served = 0;
        rig.server.on("/api/v1/survey", [&](const FakeRequest& request, int call) {
            if (call == 1) {
                return FakeReply{200, json{{"survey", pulseSurvey()}}.dump(), "application/json", {{"ETag", "\"good\""}}};
            }
            if (request.header("if-none-match") == "\"bad\"") return FakeReply{304, ""};
            ++served;
            return FakeReply{200, json{{"survey", broken}}.dump(), "application/json", {{"ETag", "\"bad\""}}};
        });
        auto session = rig.session();
        (void)session->runPass(Trigger::Forced);
        REQUIRE(session->takeSurvey());
        const std::string cacheBefore = readFile(rig.dir.path() / "survey-cache.json");

        (void)session->runPass(Trigger::Forced);
        CHECK_FALSE(session->takeSurvey());
        CHECK(english().surveyNote(session->status().surveyNote)
                  .find("survey update refused, keeping the current one: survey from the server: /pages/0/elements/0") == 0);
        CHECK(readFile(rig.dir.path() / "survey-cache.json") == cacheBefore);
        CHECK(english().status(session->status(), *rig.env.wall).find("survey update refused") != std::string::npos);

        // The server keeps offering the same invalid survey: the refusal stands, nothing is downloaded again.
        (void)session->runPass(Trigger::Forced);
        CHECK(served == 1);
        CHECK(rig.server.requests("/api/v1/survey").back().header("if-none-match") == "\"bad\"");
        CHECK(session->status().surveyNote.kind == sync::SurveyNote::Kind::Refused);
        auto persisted = sync::loadSyncState(rig.dir.path(), rig.config.deviceToken);
        REQUIRE(persisted.ok());
        CHECK(persisted->surveyNote == session->status().surveyNote);
    }

    TEST_CASE("a captive portal's page instead of a survey is refused") {
        SurveyRig rig;
        rig.server.on("/api/v1/survey", [](const FakeRequest&, int) { return FakeReply{200, "<html>login</html>", "text/html"}; });
        auto session = rig.session();
        (void)session->runPass(Trigger::Forced);
        CHECK_FALSE(session->takeSurvey());
        CHECK(english().surveyNote(session->status().surveyNote).find("refused") != std::string::npos);
        CHECK_FALSE(fs::exists(rig.dir.path() / "survey-cache.json"));
    }

    TEST_CASE("404: no survey assigned; 401 pauses like a batch's 401") {
        SurveyRig rig;
        rig.server.on("/api/v1/survey", [](const FakeRequest&, int call) {
            return call == 1 ? FakeReply{404, R"({"error":"no survey is assigned to this unit"})"} : FakeReply{401, "{}"};
        });
        auto session = rig.session();
        CHECK(session->runPass(Trigger::Forced).outcome == Outcome::Delivered);
        CHECK(english().surveyNote(session->status().surveyNote).find("no survey") != std::string::npos);
        CHECK(session->runPass(Trigger::Forced).outcome == Outcome::Paused);
        CHECK(session->paused());
    }

    TEST_CASE("a survey with another public key than the config's is taken, with a warning") {
        SurveyRig rig;
        rig.server.on("/api/v1/survey", [](const FakeRequest&, int) {
            return FakeReply{200, json{{"survey", pulseSurvey()}, {"public_key", kServerKey}}.dump(), "application/json", {{"ETag", "\"1\""}}};
        });
        auto session = rig.session();
        (void)session->runPass(Trigger::Forced);
        CHECK(session->takeSurvey());
        CHECK(english().surveyNote(session->status().surveyNote).find("public key differs") != std::string::npos);
    }
}

TEST_SUITE("enrolment fetches the unit's survey") {
    TEST_CASE("the failure of an enrolment has a kind a screen can word: code refused, unreachable, certificate") {
        FakeServer server;
        auto enroller = std::make_shared<Enroller>();
        enroller->code = "AAAA-BBBB-CCCC";
        server.on("/api/v1/enroll", [enroller](const FakeRequest& request, int) { return (*enroller)(request); });
        sync::EnrollFailure why = sync::EnrollFailure::None;
        CHECK_FALSE(sync::enrollDevice(enrollOptions(server), &why).ok());
        CHECK(why == sync::EnrollFailure::CodeRefused);

        auto untrusted = enrollOptions(server);
        untrusted.caFile = certificate(1).cert.string();  // another certificate than the server's
        CHECK_FALSE(sync::enrollDevice(untrusted, &why).ok());
        CHECK(why == sync::EnrollFailure::Certificate);

        auto closed = enrollOptions(server);
        closed.endpointUrl = "https://127.0.0.1:1";
        const auto refused = sync::enrollDevice(closed, &why);
        REQUIRE_FALSE(refused.ok());
        CHECK(why == sync::EnrollFailure::Unreachable);
        CHECK(refused.error().message.find("the code is still yours") != std::string::npos);

        enroller->code = "K7QM-3XHD-9PLA";
        CHECK(sync::enrollDevice(enrollOptions(server), &why).ok());
        CHECK(why == sync::EnrollFailure::None);
    }

    TEST_CASE("after enrolling: the unit's survey is fetched and cached; none published, or no answer, says so") {
        FakeServer server;
        auto enroller = std::make_shared<Enroller>();
        server.on("/api/v1/enroll", [enroller](const FakeRequest& request, int) { return (*enroller)(request); });
        std::atomic<int> surveyStatus{404};
        server.on("/api/v1/survey", [&](const FakeRequest&, int) {
            if (surveyStatus == 404) return FakeReply{404, R"({"error":"no survey is assigned to this unit"})"};
            return FakeReply{200, json{{"survey", pulseSurvey()}, {"public_key", kServerKey}}.dump(), "application/json", {{"ETag", "\"p\""}}};
        });
        TempDir dir;
        const fs::path file = dir.path() / "kiosk.json";
        // A kiosk enrolled before, elsewhere, with that unit's survey cached.
        shared::KioskConfig before = kioskConfig(dir.path(), "https://old.example");
        REQUIRE(shared::saveConfig(before, file).ok());
        const json oldCache = {{"format", "svarboks-survey-cache"}, {"version", 1}, {"etag", "\"old\""}, {"survey", pulseSurvey()}};
        std::ofstream(dir.path() / "survey-cache.json") << oldCache.dump();
        REQUIRE(sync::loadCachedSurvey(dir.path()));

        const auto options = enrollOptions(server);
        auto enrolment = sync::enrollDevice(options);
        REQUIRE(enrolment.ok());
        auto stored = sync::storeEnrolment(file, *enrolment, options, {});
        REQUIRE(stored.ok());
        CHECK_FALSE(sync::loadCachedSurvey(dir.path()));  // not this unit's: forgotten

        auto fetchOptions = uploaderOptions(*stored);
        auto fetched = sync::fetchUnitSurvey(fetchOptions);
        CHECK(fetched.outcome == sync::SurveyFetch::Outcome::NoSurvey);
        CHECK(fetched.status.surveyNote.kind == sync::SurveyNote::Kind::NotAssigned);
        CHECK_FALSE(sync::loadCachedSurvey(dir.path()));

        surveyStatus = 200;
        fetched = sync::fetchUnitSurvey(fetchOptions);
        CHECK(fetched.outcome == sync::SurveyFetch::Outcome::Ready);
        CHECK(fetched.survey == "pulse " + pulseSurvey()["surveyVersion"].get<std::string>());
        const auto cached = sync::loadCachedSurvey(dir.path());
        REQUIRE(cached);
        CHECK(cached->id == "pulse");
        for (const auto& request : server.requests("/api/v1/survey")) CHECK(request.header("if-none-match").empty());  // "old" was forgotten

        auto unreachable = fetchOptions;
        unreachable.config.endpointUrl = "https://127.0.0.1:1";
        REQUIRE(sync::forgetCachedSurvey(dir.path()).ok());
        fetched = sync::fetchUnitSurvey(unreachable);
        CHECK(fetched.outcome == sync::SurveyFetch::Outcome::Unreachable);
        CHECK(fetched.status.lastResult.problem.kind == sync::SyncProblem::Kind::Transport);  // the survey check's: nothing was pending
        CHECK(sync::forgetCachedSurvey(dir.path()).ok());  // no file is no error
    }

    TEST_CASE("fetching the survey sends nothing before the send schedule allows") {
        SurveyRig rig;
        rig.config.sendDelayMinMinutes = 20;
        rig.config.sendDelayMaxMinutes = 60;
        rig.server.on("/api/v1/survey", [](const FakeRequest&, int) {
            return FakeReply{200, json{{"survey", pulseSurvey()}}.dump(), "application/json", {{"ETag", "\"p\""}}};
        });
        {
            auto outbox = sync::Outbox::open(rig.config.outboxFile);
            REQUIRE(outbox.ok());
            addResponses(*outbox, 2);
        }
        CHECK(sync::fetchUnitSurvey(uploaderOptions(rig.config)).outcome == sync::SurveyFetch::Outcome::Ready);
        CHECK(rig.server.requests("/api/v1/batches").empty());
    }
}
