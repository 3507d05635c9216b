// The send schedule (uploader.hpp, docs/sync.md#the-send-schedule): a commit plans the next automatic send a
// random delay later, so the moment a batch arrives does not tell when someone answered; Sync now sends at
// once. And what sync-state.json keeps of a delivery: its day, no time. The session tests use the injected
// clock and random source; the thread tests use the real clock with a delay far longer than they wait.
#include "test_uploader_support.hpp"

#include "svarboks/sync/outbox.hpp"
#include "svarboks/sync/uploader.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <cctype>
#include <fstream>
#include <sstream>

using namespace svarboks;
using namespace svarboks::test;
using namespace std::chrono_literals;
using nlohmann::json;
using Outcome = sync::PassReport::Outcome;
using Trigger = sync::SyncSession::Trigger;

namespace {

struct Rig {
    TempDir dir;
    FakeServer server;
    FakeEnvironment env;
    shared::KioskConfig config = [&] {
        auto c = kioskConfig(dir.path(), server.url());
        c.sendDelayMinMinutes = 20;  // the defaults
        c.sendDelayMaxMinutes = 60;
        return c;
    }();
    sync::Outbox outbox = [&] {
        auto opened = sync::Outbox::open(config.outboxFile);
        REQUIRE(opened.ok());
        return std::move(opened).value();
    }();

    std::unique_ptr<sync::SyncSession> session() {
        auto options = uploaderOptions(config);
        options.checkSurvey = false;
        auto opened = sync::SyncSession::open(std::move(options), env.environment());
        REQUIRE_MESSAGE(opened.ok(), (opened.ok() ? "" : opened.error().message));
        return std::move(opened).value();
    }
    std::size_t batches() const { return server.requests("/api/v1/batches").size(); }
    std::int64_t pending() {
        auto counts = outbox.counts();
        REQUIRE(counts.ok());
        return counts->pending;
    }
};

// "2026-11-23". (No std::regex: GCC 12's warns inside its own headers under the sanitizer build.)
bool isDay(const std::string& text) {
    if (text.size() != 10) return false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const bool dash = i == 4 || i == 7;
        if (dash ? text[i] != '-' : !std::isdigit(static_cast<unsigned char>(text[i]))) return false;
    }
    return true;
}

// "9:15", "13:17": a digit, a colon, two digits.
bool hasClockTime(const std::string& text) {
    for (std::size_t i = 1; i + 2 < text.size(); ++i) {
        const auto digit = [&](std::size_t at) { return std::isdigit(static_cast<unsigned char>(text[at])) != 0; };
        if (text[i] == ':' && digit(i - 1) && digit(i + 1) && digit(i + 2)) return true;
    }
    return false;
}

// Epoch seconds and the like: nine digits or more in a row.
bool hasLongNumber(const std::string& text) {
    std::size_t run = 0;
    for (const char c : text) {
        run = std::isdigit(static_cast<unsigned char>(c)) ? run + 1 : 0;
        if (run >= 9) return true;
    }
    return false;
}

}  // namespace

TEST_SUITE("send schedule") {
    TEST_CASE("the delay is uniform over [min, max] in whole seconds, from the random source") {
        std::uint32_t asked = 0;
        const auto draw = [&](std::uint32_t value) {
            return [&asked, value](std::uint32_t bound) {
                asked = bound;
                return std::min(value, bound - 1);
            };
        };
        CHECK(sync::drawSendDelay(20min, 60min, draw(0)) == 20min);
        CHECK(asked == 40 * 60 + 1);  // every second from 20:00 to 60:00, both ends included
        CHECK(sync::drawSendDelay(20min, 60min, draw(600)) == 30min);
        CHECK(sync::drawSendDelay(20min, 60min, draw(0xFFFFFFFF)) == 60min);
        CHECK(sync::drawSendDelay(0min, 0min, draw(5)) == 0s);  // off: at once
        CHECK(sync::drawSendDelay(30min, 30min, draw(5)) == 30min);
        CHECK(sync::drawSendDelay(30min, 10min, draw(5)) == 30min);
        // The real source: libsodium's randombytes_uniform.
        const auto real = sync::SyncEnvironment::real().randomBelow;
        for (int i = 0; i < 200; ++i) {
            const auto delay = sync::drawSendDelay(20min, 60min, real);
            CHECK(delay >= 20min);
            CHECK(delay <= 60min);
        }
    }

    TEST_CASE("a commit is not sent before its delay, and is after it") {
        Rig rig;
        auto session = rig.session();
        const auto t0 = *rig.env.steady;
        CHECK(english().pass(session->runPass(Trigger::Automatic)) == "nothing to send");
        CHECK_FALSE(session->plannedSend());

        addResponses(rig.outbox, 1);
        *rig.env.sendDraw = 600;  // 20 min + 600 s
        session->responsesCommitted();
        REQUIRE(session->plannedSend() == t0 + 30min);

        // The timer (every 300 s) keeps running, but its passes send nothing until then.
        CHECK(session->nextAutomaticPass() == t0 + 300s);
        for (int minute = 5; minute < 30; minute += 5) {
            rig.env.advance(5min);
            const auto report = session->runPass(Trigger::Automatic);
            CHECK(report.outcome == Outcome::Scheduled);
            CHECK(english().pass(report) == "waiting for the send schedule");
        }
        CHECK(rig.batches() == 0);
        CHECK(rig.pending() == 1);
        CHECK(session->nextAutomaticPass() == t0 + 30min);

        rig.env.advance(4min + 59s);
        CHECK(session->runPass(Trigger::Automatic).outcome == Outcome::Scheduled);
        rig.env.advance(1s);
        const auto report = session->runPass(Trigger::Automatic);
        CHECK(report.outcome == Outcome::Delivered);
        CHECK(rig.batches() == 1);
        CHECK(rig.pending() == 0);
        CHECK_FALSE(session->plannedSend());
    }

    TEST_CASE("later commits join the planned send and do not postpone it") {
        Rig rig;
        auto session = rig.session();
        const auto t0 = *rig.env.steady;
        addResponses(rig.outbox, 1);
        session->responsesCommitted();
        REQUIRE(session->plannedSend() == t0 + 20min);
        rig.env.advance(19min);
        addResponses(rig.outbox, 2);
        *rig.env.sendDraw = 2400;
        session->responsesCommitted();
        CHECK(session->plannedSend() == t0 + 20min);
        rig.env.advance(1min);
        CHECK(session->runPass(Trigger::Automatic).outcome == Outcome::Delivered);
        CHECK(rig.server.batchSizes() == std::vector<std::size_t>{3});

        // The next commit plans a new send from its own time.
        addResponses(rig.outbox, 1);
        session->responsesCommitted();
        CHECK(session->plannedSend() == *rig.env.steady + 60min);
    }

    TEST_CASE("Sync now (a forced pass) sends at once, whatever the schedule") {
        Rig rig;
        auto session = rig.session();
        addResponses(rig.outbox, 2);
        session->responsesCommitted();
        REQUIRE(session->plannedSend().has_value());
        CHECK(session->runPass(Trigger::Automatic).outcome == Outcome::Scheduled);
        CHECK(rig.batches() == 0);
        const auto report = session->runPass(Trigger::Forced);
        CHECK(report.outcome == Outcome::Delivered);
        CHECK(report.delivery.accepted == 2);
        CHECK(rig.pending() == 0);
        CHECK_FALSE(session->plannedSend());
    }

    TEST_CASE("responses pending when the kiosk starts wait for a delay too: a restart right after a commit sends nothing") {
        Rig rig;
        addResponses(rig.outbox, 1);
        *rig.env.sendDraw = 100;
        auto session = rig.session();
        CHECK(session->plannedSend() == *rig.env.steady + 20min + 100s);
        CHECK(session->runPass(Trigger::Automatic).outcome == Outcome::Scheduled);  // the first pass, at once
        CHECK(rig.batches() == 0);
    }

    TEST_CASE("pending responses another program added get a planned send at the next pass, not an immediate one") {
        Rig rig;
        auto session = rig.session();
        addResponses(rig.outbox, 1);  // no responsesCommitted(): e.g. svarboks simulate --into-production-outbox
        CHECK(session->runPass(Trigger::Automatic).outcome == Outcome::Scheduled);
        CHECK(session->plannedSend() == *rig.env.steady + 20min);
        CHECK(rig.batches() == 0);
    }

    TEST_CASE("backoff still works: a failed send is retried after its backoff; a commit meanwhile plans a new delay first") {
        Rig rig;
        int calls = 0;
        rig.server.on("/api/v1/batches", [&](const FakeRequest& request, int) {
            return ++calls == 1 ? FakeReply{500, "{}"} : rig.server.storeBatch(request);
        });
        auto session = rig.session();
        addResponses(rig.outbox, 1);
        session->responsesCommitted();
        rig.env.advance(20min);
        CHECK(session->runPass(Trigger::Automatic).outcome == Outcome::NotDelivered);
        CHECK(session->backingOff(*rig.env.steady));
        const auto retry = session->nextAutomaticPass();
        REQUIRE(retry.has_value());
        CHECK(*retry - *rig.env.steady <= 5s);  // the first backoff's ceiling

        // Nothing new: the retry sends.
        rig.env.advance(5s);
        CHECK(session->runPass(Trigger::Automatic).outcome == Outcome::Delivered);
        CHECK(rig.pending() == 0);
        CHECK(calls == 2);

        // A commit while a backlog waits for its backoff: the backlog goes with it, a delay after the commit.
        calls = 0;
        addResponses(rig.outbox, 1);
        session->responsesCommitted();
        rig.env.advance(20min);
        CHECK(session->runPass(Trigger::Automatic).outcome == Outcome::NotDelivered);
        addResponses(rig.outbox, 1);
        *rig.env.sendDraw = 60;
        session->responsesCommitted();
        CHECK(session->plannedSend() == *rig.env.steady + 21min);
        CHECK(session->nextAutomaticPass() == *rig.env.steady + 21min);
        rig.env.advance(10s);
        CHECK(session->runPass(Trigger::Automatic).outcome == Outcome::Scheduled);
        rig.env.advance(21min);
        CHECK(session->runPass(Trigger::Automatic).outcome == Outcome::Delivered);
        CHECK(rig.server.batchSizes().back() == 2);
    }

    TEST_CASE("send_delay 0 and 0: a commit is sent by the next pass at once, as before the schedule") {
        Rig rig;
        rig.config.sendDelayMinMinutes = 0;
        rig.config.sendDelayMaxMinutes = 0;
        auto session = rig.session();
        CHECK(english().pass(session->runPass(Trigger::Automatic)) == "nothing to send");
        addResponses(rig.outbox, 1);
        session->responsesCommitted();
        CHECK(session->nextAutomaticPass() == *rig.env.steady);
        CHECK(session->runPass(Trigger::Automatic).outcome == Outcome::Delivered);
        CHECK(rig.batches() == 1);
    }

    TEST_CASE("the admin's status line says when the schedule sends") {
        Rig rig;
        addResponses(rig.outbox, 2);
        *rig.env.sendDraw = 15 * 60;
        auto session = rig.session();
        (void)session->runPass(Trigger::Automatic);
        const auto& status = session->status();
        REQUIRE(status.plannedSend.has_value());
        CHECK(english().status(status, *rig.env.wall) == "never synced yet, 2 pending, sent in 35 min (send schedule)");
    }
}

TEST_SUITE("send schedule in the uploader thread") {
    TEST_CASE("notify() does not send at once; syncNow() does") {
        Rig rig;
        auto options = uploaderOptions(rig.config);
        options.checkSurvey = false;
        auto started = sync::Uploader::start(std::move(options));  // the real clock: the delay is at least 20 minutes
        REQUIRE(started.ok());
        auto& uploader = **started;

        const auto ids = addResponses(rig.outbox, 1);
        uploader.notify();
        CHECK(eventually([&] { return uploader.snapshot().plannedSend.has_value(); }));
        std::this_thread::sleep_for(300ms);
        CHECK(rig.batches() == 0);
        CHECK(rig.pending() == 1);

        uploader.syncNow();
        CHECK(eventually([&] { return rig.server.stored().count(ids[0]) == 1; }));
        CHECK(eventually([&] { return uploader.snapshot().pending == 0; }));
    }
}

TEST_SUITE("sync state keeps days, not times") {
    TEST_CASE("a version 2 file keeps its days and its pause; its English texts are dropped") {
        Rig rig;
        {
            std::ofstream old(rig.dir.path() / "sync-state.json");
            old << json{{"format", "svarboks-sync-state"}, {"version", 2}, {"last_attempt", "2026-11-20"}, {"last_attempt_ok", false},
                        {"last_result", "the server refused the token (401)"}, {"last_success", "2026-11-19"},
                        {"paused_reason", "the server refused the token (401); re-enrol"},
                        {"paused_token", sync::tokenFingerprint(rig.config.deviceToken)}, {"survey_note", "survey update refused"}}
                       .dump();
        }
        auto loaded = sync::loadSyncState(rig.dir.path(), rig.config.deviceToken);
        REQUIRE(loaded.ok());
        CHECK(loaded->paused);
        CHECK(loaded->state == sync::SyncStatus::State::Paused);
        CHECK(loaded->lastAttempt == sync::LocalDay(std::chrono::year{2026} / 11 / 20));
        CHECK(loaded->lastSuccess == sync::LocalDay(std::chrono::year{2026} / 11 / 19));
        CHECK(loaded->lastResult == sync::SyncResult{});
        CHECK(loaded->surveyNote == sync::SurveyNote{});
        auto session = rig.session();
        CHECK(session->paused());
    }

    TEST_CASE("after a delivery, sync-state.json holds the day of it and no time of day") {
        Rig rig;
        rig.config.sendDelayMinMinutes = 0;
        rig.config.sendDelayMaxMinutes = 0;
        *rig.env.wall += 17min + 42s;  // 13:17:42 UTC: nothing of it may be kept
        addResponses(rig.outbox, 1);
        auto session = rig.session();
        REQUIRE(session->runPass(Trigger::Automatic).outcome == Outcome::Delivered);
        const std::string text = readFile(rig.dir.path() / "sync-state.json");
        const json doc = json::parse(text);
        CHECK(isDay(doc["last_success"].get<std::string>()));
        CHECK(isDay(doc["last_attempt"].get<std::string>()));
        CHECK(doc["last_result"]["delivery"]["accepted"] == 1);
        const auto loaded = sync::loadSyncState(rig.dir.path(), rig.config.deviceToken);
        REQUIRE(loaded.ok());
        CHECK(english().result(loaded->lastResult) == "delivered 1 (1 accepted, 0 duplicate)");
        // No clock time anywhere in the file: no "hh:mm", no ISO time, no epoch seconds.
        CHECK_FALSE(hasClockTime(text));
        CHECK(text.find("T13") == std::string::npos);
        CHECK_FALSE(hasLongNumber(text));
        CHECK(doc["version"] == 3);
    }

    TEST_CASE("a version 1 file's exact times are read as days and dropped at the next write") {
        Rig rig;
        {
            std::ofstream old(rig.dir.path() / "sync-state.json");
            old << json{{"format", "svarboks-sync-state"}, {"version", 1}, {"last_attempt", "2026-11-20T09:15:00Z"}, {"last_attempt_ok", false},
                        {"last_result", "server said 503"}, {"last_success", "2026-11-19T10:00:00Z"}, {"paused_reason", ""},
                        {"paused_token", ""}, {"survey_note", ""}}
                       .dump();
        }
        auto loaded = sync::loadSyncState(rig.dir.path(), rig.config.deviceToken);
        REQUIRE(loaded.ok());
        REQUIRE(loaded->lastSuccess.has_value());
        CHECK(*loaded->lastSuccess == sync::localDayOf(std::chrono::sys_days{std::chrono::year{2026} / 11 / 19} + 10h));
        auto session = rig.session();
        (void)session->runPass(Trigger::Forced);
        const std::string text = readFile(rig.dir.path() / "sync-state.json");
        CHECK(text.find("T09:15") == std::string::npos);
        CHECK(text.find("T10:00") == std::string::npos);
        CHECK_FALSE(hasClockTime(text));
        CHECK(isDay(json::parse(text)["last_success"].get<std::string>()));
    }
}
