// The uploader's sync pass against a scripted HTTPS server: every status of PROTOCOL.md's POST /api/v1/batches,
// what counts as delivered, quarantine, 413 halving, Retry-After, and backoff with full jitter, all with an
// injected clock and random source (nothing here sleeps to wait for a backoff).
#include "test_uploader_support.hpp"

#include "svarboks/shared/protocol.hpp"
#include "svarboks/shared/sealing.hpp"
#include "svarboks/sync/outbox.hpp"
#include "svarboks/sync/uploader.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <set>

using namespace svarboks;
using namespace svarboks::test;
using namespace std::chrono_literals;
using nlohmann::json;
using Outcome = sync::PassReport::Outcome;
using State = sync::SyncStatus::State;
using Trigger = sync::SyncSession::Trigger;

namespace {

struct Rig {
    TempDir dir;
    FakeServer server;
    FakeEnvironment env;
    shared::KioskConfig config = kioskConfig(dir.path(), server.url());
    sync::Outbox outbox = [&] {
        auto opened = sync::Outbox::open(config.outboxFile);
        REQUIRE(opened.ok());
        return std::move(opened).value();
    }();

    std::unique_ptr<sync::SyncSession> session(sync::UploaderOptions options) {
        auto opened = sync::SyncSession::open(std::move(options), env.environment());
        REQUIRE_MESSAGE(opened.ok(), (opened.ok() ? "" : opened.error().message));
        return std::move(opened).value();
    }
    std::unique_ptr<sync::SyncSession> session() {
        auto options = uploaderOptions(config);
        options.checkSurvey = false;
        return session(std::move(options));
    }
    sync::OutboxCounts counts() {
        auto c = outbox.counts();
        REQUIRE(c.ok());
        return *c;
    }
};

}  // namespace

TEST_SUITE("uploader backoff") {
    TEST_CASE("the ceiling doubles from 5 s and stops at 15 minutes") {
        CHECK(sync::backoffCeiling(1) == 5s);
        CHECK(sync::backoffCeiling(2) == 10s);
        CHECK(sync::backoffCeiling(3) == 20s);
        CHECK(sync::backoffCeiling(8) == 640s);
        CHECK(sync::backoffCeiling(9) == 15min);
        CHECK(sync::backoffCeiling(1000) == 15min);
        CHECK(sync::backoffCeiling(0) == 5s);
    }

    TEST_CASE("full jitter: a uniform share of the ceiling, at least a second") {
        CHECK(sync::backoffDelay(1, 0.0) == 1s);
        CHECK(sync::backoffDelay(3, 0.5) == 10s);
        CHECK(sync::backoffDelay(20, 0.5) == 450s);
        CHECK(sync::backoffDelay(20, 0.999999) <= 15min);
        CHECK(sync::backoffDelay(20, 0.999999) > 899s);
        CHECK(sync::backoffDelay(20, 7.0) == 15min);
        CHECK(sync::backoffDelay(20, -1.0) == 1s);
        for (int failures = 1; failures < 40; ++failures) {
            for (double r : {0.0, 0.1, 0.37, 0.9, 0.99999}) {
                const auto delay = sync::backoffDelay(failures, r);
                CHECK(delay >= 1s);
                CHECK(delay <= sync::backoffCeiling(failures));
            }
        }
    }

    TEST_CASE("Retry-After in seconds, capped at an hour; anything else falls back to backoff") {
        CHECK(sync::parseRetryAfter("120") == 120s);
        CHECK(sync::parseRetryAfter(" 7 ") == 7s);
        CHECK(sync::parseRetryAfter("0") == 0s);
        CHECK(sync::parseRetryAfter("86400") == 1h);
        CHECK_FALSE(sync::parseRetryAfter(""));
        CHECK_FALSE(sync::parseRetryAfter("-5"));
        CHECK_FALSE(sync::parseRetryAfter("1.5"));
        CHECK_FALSE(sync::parseRetryAfter("Wed, 21 Oct 2026 07:28:00 GMT"));
        CHECK_FALSE(sync::parseRetryAfter("99999999999999999999"));
    }
}

TEST_SUITE("uploader pass") {
    TEST_CASE("200: accepted and duplicate leave the outbox, rejected go to quarantine with the reason") {
        Rig rig;
        const auto ids = addResponses(rig.outbox, 3);
        rig.server.on("/api/v1/batches", [&](const FakeRequest& request, int) {
            const json body = json::parse(request.body);
            json results = json::array();
            results.push_back({{"id", body["responses"][0]["id"]}, {"status", "accepted"}});
            results.push_back({{"id", body["responses"][1]["id"]}, {"status", "duplicate"}});
            results.push_back({{"id", body["responses"][2]["id"]}, {"status", "rejected"}, {"error", "answer to 'q3' is not one of its choices"}});
            return FakeReply{200, json{{"batch_id", body["batch_id"]}, {"results", results}}.dump()};
        });
        auto session = rig.session();
        const auto report = session->runPass(Trigger::Automatic);
        CHECK(report.outcome == Outcome::Delivered);
        CHECK(report.delivery.accepted == 1);
        CHECK(report.delivery.duplicates == 1);
        CHECK(report.delivery.rejected == 1);
        CHECK(english().pass(report) == "sent 3: 1 accepted, 1 duplicate, 1 rejected into quarantine");
        CHECK(rig.counts().pending == 0);
        CHECK(rig.counts().quarantined == 1);
        auto quarantined = rig.outbox.quarantined();
        REQUIRE(quarantined.ok());
        REQUIRE(quarantined->size() == 1);
        CHECK(quarantined->front().id == ids[2]);
        CHECK(quarantined->front().reason == "rejected by the server: answer to 'q3' is not one of its choices");
        CHECK(session->status().state == State::Idle);
        CHECK(session->status().lastAttemptOk);
        CHECK(session->status().lastSuccess == sync::localDayOf(*rig.env.wall));
        CHECK(session->status().quarantined == 1);

        // The quarantined one is never resent on its own.
        rig.env.advance(10min);
        const auto again = session->runPass(Trigger::Forced);
        CHECK(again.outcome == Outcome::Delivered);
        CHECK(rig.server.requests("/api/v1/batches").size() == 1);
    }

    TEST_CASE("the request is a valid protocol-1 batch, gzip-compressed, with the bearer token") {
        Rig rig;
        const auto ids = addResponses(rig.outbox, 4);
        auto session = rig.session();
        CHECK(session->runPass(Trigger::Automatic).outcome == Outcome::Delivered);
        const auto requests = rig.server.requests("/api/v1/batches");
        REQUIRE(requests.size() == 1);
        const auto& request = requests.front();
        CHECK(request.method == "POST");
        CHECK(request.header("content-encoding") == "gzip");
        CHECK(request.header("content-type") == "application/json");
        CHECK(request.header("authorization") == "Bearer " + rig.config.deviceToken);
        const json body = json::parse(request.body);  // httplib inflated it: it was gzip
        auto batch = shared::batchRequestFromJson(body);
        REQUIRE(batch.ok());
        CHECK(batch->protocol == 1);
        REQUIRE(batch->responses.size() == 4);
        for (std::size_t i = 0; i < ids.size(); ++i) CHECK(batch->responses[i].id == ids[i]);
        // Nothing but the protocol's keys travels: no time, no device id, no order number.
        std::set<std::string> keys;
        for (const auto& [key, value] : body.items()) keys.insert(key);
        CHECK(keys == std::set<std::string>{"batch_id", "protocol", "responses"});
        for (const auto& item : body["responses"]) CHECK(item.size() == 2);
        CHECK(rig.server.stored().size() == 4);
        CHECK(rig.counts().pending == 0);
    }

    TEST_CASE("batches stay within 500 responses and the byte limit") {
        Rig rig;
        addResponses(rig.outbox, 620, 40);
        auto session = rig.session();
        CHECK(session->runPass(Trigger::Automatic).outcome == Outcome::Delivered);
        CHECK(rig.server.batchSizes() == std::vector<std::size_t>{500, 120});

        addResponses(rig.outbox, 10, 1000);
        auto options = uploaderOptions(rig.config);
        options.checkSurvey = false;
        options.maxBodyBytes = 5000;  // about three 1000-byte responses in base64
        auto small = rig.session(options);
        CHECK(small->runPass(Trigger::Forced).outcome == Outcome::Delivered);
        const auto sizes = rig.server.batchSizes();
        REQUIRE(sizes.size() == 6);
        CHECK(sizes[2] == 3);
        const auto requests = rig.server.requests("/api/v1/batches");
        for (std::size_t i = 2; i < requests.size(); ++i) CHECK(requests[i].body.size() <= 5000);
        CHECK(rig.counts().pending == 0);
        CHECK(rig.server.stored().size() == 630);
    }

    TEST_CASE("a captive portal's 200 page is not a delivery") {
        Rig rig;
        addResponses(rig.outbox, 2);
        rig.server.on("/api/v1/batches", [](const FakeRequest&, int) {
            return FakeReply{200, "<html><body>Log in to Guest Wi-Fi</body></html>", "text/html"};
        });
        auto session = rig.session();
        const auto report = session->runPass(Trigger::Automatic);
        CHECK(report.outcome == Outcome::NotDelivered);
        CHECK(english().pass(report).find("captive portal") != std::string::npos);
        CHECK(rig.counts().pending == 2);
        CHECK(session->status().state == State::Waiting);
        CHECK_FALSE(session->status().lastAttemptOk);
        CHECK_FALSE(session->status().lastSuccess);
    }

    TEST_CASE("a 200 JSON body that does not list every id is not a delivery") {
        Rig rig;
        addResponses(rig.outbox, 3);
        rig.server.on("/api/v1/batches", [](const FakeRequest& request, int) {
            json reply = json::parse(FakeServer::replyAll(request, "accepted").body);
            reply["results"].erase(reply["results"].size() - 1);
            return FakeReply{200, reply.dump()};
        });
        auto session = rig.session();
        const auto report = session->runPass(Trigger::Automatic);
        CHECK(report.outcome == Outcome::NotDelivered);
        CHECK(english().pass(report).find("does not confirm the batch") != std::string::npos);
        CHECK(rig.counts().pending == 3);
    }

    TEST_CASE("a server that commits and then drops the connection: the resend ends as duplicate, counted once") {
        Rig rig;
        const auto ids = addResponses(rig.outbox, 5);
        rig.server.on("/api/v1/batches", [&](const FakeRequest& request, int call) {
            FakeReply reply = rig.server.storeBatch(request);  // committed
            if (call == 1) reply.dropAfterHeaders = true;        // ... and the reply never arrives whole
            return reply;
        });
        auto session = rig.session();
        const auto first = session->runPass(Trigger::Automatic);
        CHECK(first.outcome == Outcome::NotDelivered);
        CHECK(rig.counts().pending == 5);
        CHECK(rig.server.stored().size() == 5);

        rig.env.advance(15min);
        const auto second = session->runPass(Trigger::Automatic);
        CHECK(second.outcome == Outcome::Delivered);
        CHECK(second.delivery.duplicates == 5);
        CHECK(second.delivery.accepted == 0);
        CHECK(rig.counts().pending == 0);
        CHECK(rig.server.stored().size() == 5);  // counted once
        const auto requests = rig.server.requests("/api/v1/batches");
        REQUIRE(requests.size() == 2);
        // The same batch again: same batch_id, same items.
        CHECK(json::parse(requests[0].body) == json::parse(requests[1].body));
    }

    TEST_CASE("a slow server: the total timeout ends the attempt and backoff follows") {
        Rig rig;
        addResponses(rig.outbox, 1);
        rig.server.on("/api/v1/batches", [](const FakeRequest& request, int) {
            FakeReply reply = FakeServer::replyAll(request, "accepted");
            reply.delay = 1500ms;
            return reply;
        });
        auto options = uploaderOptions(rig.config);
        options.checkSurvey = false;
        options.totalTimeout = 300ms;
        auto session = rig.session(options);
        const auto started = std::chrono::steady_clock::now();
        const auto report = session->runPass(Trigger::Automatic);
        CHECK(std::chrono::steady_clock::now() - started < 1400ms);
        CHECK(report.outcome == Outcome::NotDelivered);
        CHECK(english().pass(report).find("no complete reply within 300 ms") != std::string::npos);
        CHECK(session->status().state == State::Waiting);
        CHECK(session->backingOff(*rig.env.steady));
        CHECK(rig.counts().pending == 1);
    }

    TEST_CASE("401: automatic sync stops, everything is kept, Sync now may try again") {
        Rig rig;
        addResponses(rig.outbox, 2);
        rig.server.on("/api/v1/batches", [](const FakeRequest&, int call) {
            return call == 1 ? FakeReply{401, R"({"error":"unknown or revoked token"})"} : FakeReply{401, "{}"};
        });
        auto session = rig.session();
        const auto report = session->runPass(Trigger::Automatic);
        CHECK(report.outcome == Outcome::Paused);
        CHECK(session->paused());
        CHECK_FALSE(session->nextAutomaticPass());
        CHECK(session->status().state == State::Paused);
        CHECK(rig.counts().pending == 2);
        CHECK(english().status(session->status(), *rig.env.wall) == "paused: the server refused the token (401); re-enrol; 2 pending");

        rig.env.advance(24h);
        CHECK(session->runPass(Trigger::Automatic).outcome == Outcome::Paused);
        CHECK(rig.server.requests("/api/v1/batches").size() == 1);  // no automatic retry

        CHECK(session->runPass(Trigger::Forced).outcome == Outcome::Paused);  // Sync now tries once more
        CHECK(rig.server.requests("/api/v1/batches").size() == 2);

        // The pause survives a restart for the same token, and is dropped for a new enrolment.
        auto reopened = rig.session();
        CHECK(reopened->paused());
        auto loaded = sync::loadSyncState(rig.dir.path(), rig.config.deviceToken);
        REQUIRE(loaded.ok());
        CHECK(loaded->state == State::Paused);
        auto options = uploaderOptions(rig.config);
        options.config.deviceToken = "a-new-token-after-enrolment-000000";
        options.checkSurvey = false;
        auto enrolledAgain = rig.session(options);
        CHECK_FALSE(enrolledAgain->paused());
        CHECK(enrolledAgain->runPass(Trigger::Automatic).outcome == Outcome::Paused);  // the fake refuses every token
    }

    TEST_CASE("413: the batch is halved until it fits") {
        Rig rig;
        addResponses(rig.outbox, 5);
        rig.server.on("/api/v1/batches", [&](const FakeRequest& request, int) {
            if (json::parse(request.body)["responses"].size() > 2) return FakeReply{413, R"({"error":"too large"})"};
            return rig.server.storeBatch(request);
        });
        auto session = rig.session();
        const auto report = session->runPass(Trigger::Automatic);
        CHECK(report.outcome == Outcome::Delivered);
        CHECK(rig.server.batchSizes() == std::vector<std::size_t>{5, 2, 2, 1});
        CHECK(rig.counts().pending == 0);
        CHECK(rig.counts().quarantined == 0);
        CHECK(session->batchLimit() == 2);
    }

    TEST_CASE("413: a single response that is still too large goes to quarantine with the reason") {
        Rig rig;
        const auto ids = addResponses(rig.outbox, 4);
        const std::string huge = ids[2];
        rig.server.on("/api/v1/batches", [&](const FakeRequest& request, int) {
            const json body = json::parse(request.body);
            for (const auto& item : body["responses"]) {
                if (item["id"] == huge) return FakeReply{413, R"({"error":"too large"})"};
            }
            return rig.server.storeBatch(request);
        });
        auto session = rig.session();
        const auto report = session->runPass(Trigger::Automatic);
        CHECK(report.outcome == Outcome::Delivered);
        CHECK(report.delivery.tooLarge == 1);
        CHECK(rig.server.batchSizes() == std::vector<std::size_t>{4, 2, 2, 1, 1});
        auto quarantined = rig.outbox.quarantined();
        REQUIRE(quarantined.ok());
        REQUIRE(quarantined->size() == 1);
        CHECK(quarantined->front().id == huge);
        CHECK(quarantined->front().reason.find("413") != std::string::npos);
        CHECK(rig.server.stored().size() == 3);
        CHECK(session->batchLimit() == shared::kMaxBatchResponses);
    }

    TEST_CASE("a response too large for any batch is quarantined without being sent") {
        Rig rig;
        const auto small = addResponses(rig.outbox, 1, 100);
        const auto big = addResponses(rig.outbox, 1, 6000);
        auto options = uploaderOptions(rig.config);
        options.checkSurvey = false;
        options.maxBodyBytes = 4000;
        auto session = rig.session(options);
        const auto report = session->runPass(Trigger::Automatic);
        CHECK(report.outcome == Outcome::Delivered);
        CHECK(report.delivery.tooLarge == 1);
        CHECK(rig.server.stored().count(small[0]) == 1);
        CHECK(rig.server.stored().count(big[0]) == 0);
        auto quarantined = rig.outbox.quarantined();
        REQUIRE(quarantined.ok());
        REQUIRE(quarantined->size() == 1);
        CHECK(quarantined->front().reason.find("too large to send") != std::string::npos);
    }

    TEST_CASE("429 and 503 honour Retry-After") {
        for (const int status : {429, 503}) {
            CAPTURE(status);
            Rig rig;
            addResponses(rig.outbox, 1);
            rig.server.on("/api/v1/batches", [&](const FakeRequest& request, int call) {
                if (call == 1) return FakeReply{status, R"({"error":"busy"})", "application/json", {{"Retry-After", "120"}}};
                return rig.server.storeBatch(request);
            });
            auto session = rig.session();
            const auto t0 = *rig.env.steady;
            const auto report = session->runPass(Trigger::Automatic);
            CHECK(report.outcome == Outcome::RetryLater);
            REQUIRE(session->nextAutomaticPass());
            CHECK(*session->nextAutomaticPass() == t0 + 120s);
            CHECK(english().status(session->status(), *rig.env.wall) ==
                  "waiting: next try in 2 min (server said " + std::to_string(status) + "); 1 pending");

            rig.env.advance(119s);
            CHECK(session->runPass(Trigger::Automatic).outcome == Outcome::NotDelivered);  // still waiting: no request
            CHECK(rig.server.requests("/api/v1/batches").size() == 1);
            rig.env.advance(1s);
            CHECK(session->runPass(Trigger::Automatic).outcome == Outcome::Delivered);
            CHECK(rig.server.requests("/api/v1/batches").size() == 2);
        }
    }

    TEST_CASE("503 without Retry-After, 500 and network failures back off exponentially with full jitter, capped") {
        Rig rig;
        addResponses(rig.outbox, 1);
        rig.server.on("/api/v1/batches", [](const FakeRequest&, int) { return FakeReply{500, R"({"error":"database is locked"})"}; });
        auto session = rig.session();
        *rig.env.random = 0.5;
        for (int failures = 1; failures <= 12; ++failures) {
            CAPTURE(failures);
            const auto t0 = *rig.env.steady;
            const auto report = session->runPass(Trigger::Automatic);
            CHECK(report.outcome == Outcome::NotDelivered);
            CHECK(english().pass(report) == "server said 500: database is locked");
            REQUIRE(session->nextAutomaticPass());
            const auto wait = *session->nextAutomaticPass() - t0;
            CHECK(wait == sync::backoffDelay(failures, 0.5));
            CHECK(wait <= 15min);
            rig.env.advance(std::chrono::duration_cast<std::chrono::milliseconds>(wait));
        }
        CHECK(rig.server.requests("/api/v1/batches").size() == 12);

        // Full jitter: the draw decides; a draw near 1 waits almost the whole (capped) ceiling.
        *rig.env.random = 0.9999;
        const auto t0 = *rig.env.steady;
        (void)session->runPass(Trigger::Automatic);
        CHECK(*session->nextAutomaticPass() - t0 > 899s);
        CHECK(*session->nextAutomaticPass() - t0 <= 900s);

        // Success resets the backoff.
        rig.server.on("/api/v1/batches", [&](const FakeRequest& request, int) { return rig.server.storeBatch(request); });
        (void)session->runPass(Trigger::Forced);
        CHECK(session->status().state == State::Idle);
        addResponses(rig.outbox, 1);
        rig.server.on("/api/v1/batches", [](const FakeRequest&, int) { return FakeReply{502, "Bad gateway", "text/plain"}; });
        const auto t1 = *rig.env.steady;
        (void)session->runPass(Trigger::Automatic);
        CHECK(*session->nextAutomaticPass() - t1 == sync::backoffDelay(1, 0.9999));
    }

    TEST_CASE("a server that cannot be reached: backoff, nothing lost") {
        Rig rig;
        addResponses(rig.outbox, 2);
        auto options = uploaderOptions(rig.config);
        options.checkSurvey = false;
        options.config.endpointUrl = "https://localhost:1";  // nothing listens there
        auto session = rig.session(options);
        const auto report = session->runPass(Trigger::Automatic);
        CHECK(report.outcome == Outcome::NotDelivered);
        CHECK(english().pass(report).find("no connection") != std::string::npos);
        CHECK(session->status().state == State::Waiting);
        CHECK(rig.counts().pending == 2);
        auto items = rig.outbox.pending(10);
        REQUIRE(items.ok());
        CHECK(items->front().attempts == 1);
    }

    TEST_CASE("the timer: the next automatic pass is sync_interval_seconds after a success") {
        Rig rig;
        rig.config.syncIntervalSeconds = 300;
        auto session = rig.session();
        const auto t0 = *rig.env.steady;
        CHECK(session->nextAutomaticPass() == t0);  // the first pass is due at once
        const auto report = session->runPass(Trigger::Automatic);
        CHECK(report.outcome == Outcome::Delivered);
        CHECK(english().pass(report) == "nothing to send");
        CHECK(session->nextAutomaticPass() == t0 + 300s);
        CHECK(rig.server.requests().empty());  // an empty outbox sends nothing
    }

    TEST_CASE("the status is persisted for svarboks status, and describes itself in plain words") {
        Rig rig;
        addResponses(rig.outbox, 3);
        auto session = rig.session();
        (void)session->runPass(Trigger::Automatic);
        auto loaded = sync::loadSyncState(rig.dir.path(), rig.config.deviceToken);
        REQUIRE(loaded.ok());
        CHECK(loaded->lastSuccess == sync::localDayOf(*rig.env.wall));
        CHECK(loaded->lastAttemptOk);
        CHECK(english().result(loaded->lastResult) == "delivered 3 (3 accepted, 0 duplicate)");
        sync::SyncStatus status = *loaded;
        status.pending = 3;
        CHECK(english().status(status, *rig.env.wall) == "last success today, 3 pending");
        CHECK(english().status(status, *rig.env.wall + 24h) == "last success yesterday, 3 pending");
        const std::chrono::year_month_day day(*loaded->lastSuccess);
        char iso[16];
        std::snprintf(iso, sizeof iso, "%04d-%02u-%02u", static_cast<int>(day.year()), static_cast<unsigned>(day.month()),
                      static_cast<unsigned>(day.day()));
        CHECK(english().status(status, *rig.env.wall + 72h) == std::string("last success ") + iso + ", 3 pending");
        const json doc = sync::toJson(status);
        CHECK(doc["state"] == "idle");
        CHECK(doc["last_success"] == iso);

        sync::SyncStatus never;
        CHECK(english().status(never, *rig.env.wall) == "never synced yet, 0 pending");
    }
}
