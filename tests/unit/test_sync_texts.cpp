// The uploader's status as data (sync/sync_status.hpp) in the kiosk's words: the same SyncStatus in Danish,
// as the admin screen shows it on a Danish kiosk, and in English, as `svarboks status` prints it.
#include "svarboks/client/sync_texts.hpp"
#include "test_helpers.hpp"

#include <doctest/doctest.h>

using namespace svarboks;
using namespace std::chrono_literals;
using Kind = sync::SyncProblem::Kind;
using State = sync::SyncStatus::State;

namespace {

const client::UiTexts& texts() {
    static const client::UiTexts loaded = [] {
        auto parsed = client::UiTexts::load(test::sourceDir() / "assets/ui/texts.json");
        REQUIRE(parsed.ok());
        return std::move(parsed).value();
    }();
    return loaded;
}

const sync::WallTime kNow = std::chrono::sys_days{std::chrono::year{2026} / 11 / 23} + 12h;

struct Both {
    std::string da;
    std::string en;
};

Both say(const sync::SyncStatus& status) {
    return {client::SyncTexts(texts(), "da").status(status, kNow), client::SyncTexts(texts(), "en").status(status, kNow)};
}

}  // namespace

TEST_SUITE("sync status in words") {
    TEST_CASE("idle after a delivery, with responses waiting for the send schedule") {
        sync::SyncStatus status;
        status.lastAttempt = sync::localDayOf(kNow);
        status.lastAttemptOk = true;
        status.lastSuccess = sync::localDayOf(kNow - 24h);
        status.pending = 3;
        status.plannedSend = kNow + 35min;
        status.quarantined = 2;
        status.held = 1;
        const auto line = say(status);
        CHECK(line.en == "last success yesterday, 3 pending, sent in 35 min (send schedule), 2 in quarantine, 1 held");
        CHECK(line.da == "sidst lykkedes i går, 3 venter, sendes om 35 min (sendeplan), 2 i karantæne, 1 tilbageholdt");
    }

    TEST_CASE("never synced; an older day is shown as a date in both languages") {
        sync::SyncStatus status;
        CHECK(say(status).en == "never synced yet, 0 pending");
        CHECK(say(status).da == "aldrig synkroniseret endnu, 0 venter");
        status.lastSuccess = sync::localDayOf(kNow - 72h);
        const std::string day = sync::isoDay(*status.lastSuccess);
        CHECK(say(status).en == "last success " + day + ", 0 pending");
        CHECK(say(status).da == "sidst lykkedes " + day + ", 0 venter");
    }

    TEST_CASE("waiting after the server said 503, with its figures") {
        sync::SyncStatus status;
        status.state = State::Waiting;
        status.pending = 4;
        status.nextAttempt = kNow + 4min;
        status.waitReason = {Kind::ServerStatus, 503, ""};
        CHECK(say(status).en == "waiting: next try in 4 min (server said 503); 4 pending");
        CHECK(say(status).da == "venter: næste forsøg om 4 min (serveren svarede 503); 4 venter");
        status.nextAttempt = kNow + 40s;
        status.waitReason = {Kind::ServerStatus, 500, "database is locked"};  // the server's own words stay as they are
        CHECK(say(status).en == "waiting: next try in 40 s (server said 500: database is locked); 4 pending");
        CHECK(say(status).da == "venter: næste forsøg om 40 s (serveren svarede 500: database is locked); 4 venter");
    }

    TEST_CASE("paused, and a failed last attempt while the kiosk is off") {
        sync::SyncStatus paused;
        paused.state = State::Paused;
        paused.paused = true;
        paused.pending = 2;
        CHECK(say(paused).en == "paused: the server refused the token (401); re-enrol; 2 pending");
        CHECK(say(paused).da == "sat på pause: serveren afviste kioskens token (401); tilmeld kiosken igen; 2 venter");

        sync::SyncStatus failed;
        failed.lastAttempt = sync::localDayOf(kNow);
        failed.lastResult.problem = {Kind::Transport, 0, "no connection: Could not resolve host: svarboks.kommune.dk"};
        failed.pending = 3;
        CHECK(say(failed).en == "last attempt today failed (no connection: Could not resolve host: svarboks.kommune.dk), never synced yet, "
                                "3 pending");
        CHECK(say(failed).da == "sidste forsøg i dag mislykkedes (ingen forbindelse til serveren: no connection: Could not resolve host: "
                                "svarboks.kommune.dk), aldrig synkroniseret endnu, 3 venter");
    }

    TEST_CASE("survey notes and local trouble are appended") {
        sync::SyncStatus status;
        status.lastSuccess = sync::localDayOf(kNow);
        status.surveyNote = {sync::SurveyNote::Kind::NotAssigned, ""};
        status.localError = "/var/lib/svarboks/sync-state.json: cannot write: No space left on device";
        CHECK(say(status).en == "last success today, 0 pending; the server has no survey for this unit; the kiosk keeps its own; "
                                "/var/lib/svarboks/sync-state.json: cannot write: No space left on device");
        CHECK(say(status).da == "sidst lykkedes i dag, 0 venter; serveren har intet spørgeskema til denne enhed; kiosken beholder sit "
                                "eget; /var/lib/svarboks/sync-state.json: cannot write: No space left on device");
    }

    TEST_CASE("the last result: deliveries, quarantine, surveys, survey check failures") {
        const client::SyncTexts en(texts(), "en");
        const client::SyncTexts da(texts(), "da");
        sync::SyncResult result;
        CHECK(en.result(result).empty());
        result.delivery = sync::Delivery{1, 2, 1, 0, 0};
        CHECK(en.result(result) == "delivered 3 (2 accepted, 1 duplicate)");
        CHECK(da.result(result) == "leveret 3 (2 modtaget, 1 dubletter)");
        result.delivery = sync::Delivery{2, 1, 1, 1, 1};
        result.survey = sync::SyncResult::Survey::New;
        result.newSurvey = "pulse 2026.1";
        CHECK(en.result(result) ==
              "sent 3: 1 accepted, 1 duplicate, 1 rejected into quarantine, 1 response too large into quarantine; new survey pulse 2026.1");
        CHECK(da.result(result) == "sendt 3: 1 modtaget, 1 dubletter, 1 afvist og sat i karantæne, 1 svar for stort, sat i karantæne; "
                                   "nyt spørgeskema pulse 2026.1");
        sync::SyncResult checkFailed;
        checkFailed.problem = {Kind::ServerStatus, 500, ""};
        checkFailed.surveyCheck = true;
        CHECK(en.result(checkFailed) == "survey check: server said 500");
        CHECK(da.result(checkFailed) == "tjek af spørgeskema: serveren svarede 500");
    }

    TEST_CASE("every kind of problem has words in both languages") {
        for (const auto kind : {Kind::Transport, Kind::NotTheServer, Kind::Unconfirmed, Kind::ServerStatus, Kind::TokenRefused, Kind::Local}) {
            const sync::SyncProblem problem{kind, 418, "detail"};
            const auto en = client::SyncTexts(texts(), "en").problem(problem);
            const auto da = client::SyncTexts(texts(), "da").problem(problem);
            CAPTURE(en);
            CHECK_FALSE(en.empty());
            CHECK_FALSE(da.empty());
            CHECK(en.find("sync_") == std::string::npos);  // a key that is missing would be shown as itself
            CHECK(da.find("sync_") == std::string::npos);
        }
        CHECK(client::SyncTexts(texts(), "en").problem({}).empty());
    }

    TEST_CASE("what fetching the unit's survey after an enrolment found, as `svarboks enroll` and the journal say it") {
        using Outcome = sync::SurveyFetch::Outcome;
        const client::SyncTexts en(texts(), "en");
        const client::SyncTexts da(texts(), "da");
        sync::SurveyFetch fetch;
        fetch.outcome = Outcome::Ready;
        fetch.survey = "pulse 2026.1";
        CHECK(en.surveyFetch(fetch) == "pulse 2026.1");

        fetch = {};
        fetch.outcome = Outcome::NoSurvey;
        fetch.status.lastAttemptOk = true;
        fetch.status.surveyNote.kind = sync::SurveyNote::Kind::NotAssigned;
        CHECK(en.surveyFetch(fetch) == "the server has no survey for this unit; the kiosk keeps its own");
        CHECK(da.surveyFetch(fetch) == "serveren har intet spørgeskema til denne enhed; kiosken beholder sit eget");

        fetch = {};
        fetch.outcome = Outcome::Unreachable;
        fetch.report.outcome = sync::PassReport::Outcome::NotDelivered;
        fetch.report.problem = {Kind::Transport, 0, "Connection refused"};
        CHECK(en.surveyFetch(fetch) == "Connection refused");
        CHECK(da.surveyFetch(fetch) == "ingen forbindelse til serveren: Connection refused");

        // Nothing to send, but the survey check could not reach the server: the pass's own problem is none.
        fetch = {};
        fetch.outcome = Outcome::Unreachable;
        fetch.status.lastResult.problem = {Kind::ServerStatus, 503, ""};
        fetch.status.lastResult.surveyCheck = true;
        CHECK(en.surveyFetch(fetch) == "survey check: server said 503");

        fetch = {};
        fetch.outcome = Outcome::Failed;
        fetch.report.outcome = sync::PassReport::Outcome::Paused;
        CHECK(en.surveyFetch(fetch) == "the server refused the token (401); re-enrol");
        fetch.error = "outbox.db: cannot open";
        CHECK(en.surveyFetch(fetch) == "outbox.db: cannot open");
    }
}
