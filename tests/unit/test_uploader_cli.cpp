// The uploader's thread, its place in KioskApp, and `svarboks sync`, `status` and `enroll` run in-process as a
// person would run them, against the scripted HTTPS server. These use the real clock (short waits, polled).
#include "test_uploader_support.hpp"

#include "svarboks/client/cli.hpp"
#include "svarboks/client/kiosk_app.hpp"
#include "svarboks/client/kiosk_shell.hpp"
#include "svarboks/shared/config.hpp"
#include "svarboks/shared/sealing.hpp"
#include "svarboks/sync/enroll.hpp"
#include "svarboks/sync/uploader.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <sstream>

using namespace svarboks;
using namespace svarboks::test;
using namespace std::chrono_literals;
using nlohmann::json;
using State = sync::SyncStatus::State;

namespace {

struct Run {
    int code;
    std::string out;
    std::string err;
};

Run cli(std::vector<std::string> args) {
    std::istringstream in;
    std::ostringstream out, err;
    const int code = client::runCli(args, in, out, err);
    return {code, out.str(), err.str()};
}

json pulseSurvey() { return json::parse(readFile(fs::path(SVARBOKS_SOURCE_DIR) / "assets/surveys/pulse.json")); }

struct Kiosk {
    TempDir dir;
    FakeServer server;
    shared::KioskConfig config = kioskConfig(dir.path(), server.url());
    fs::path configFile = dir.path() / "kiosk.json";

    Kiosk() { REQUIRE(shared::saveConfig(config, configFile).ok()); }
    /// The server assigns `definition` to the kiosk's unit, and the kiosk has fetched it, as enrolment does.
    void assignSurvey(const json& definition) {
        server.on("/api/v1/survey", [definition](const FakeRequest&, int) {
            return FakeReply{200, json{{"survey", definition}}.dump(), "application/json", {{"ETag", "\"s\""}}};
        });
        const auto fetched = sync::fetchUnitSurvey(uploaderOptions(config));
        REQUIRE_MESSAGE(fetched.outcome == sync::SurveyFetch::Outcome::Ready, fetched.error);
    }
    sync::Outbox outbox() {
        auto opened = sync::Outbox::open(config.outboxFile);
        REQUIRE(opened.ok());
        return std::move(opened).value();
    }
    sync::OutboxCounts counts() {
        auto outbox = this->outbox();
        auto counts = outbox.counts();
        REQUIRE(counts.ok());
        return *counts;
    }
};

std::unique_ptr<sync::Uploader> startUploader(const shared::KioskConfig& config, bool checkSurvey = false) {
    auto options = uploaderOptions(config);
    options.checkSurvey = checkSurvey;
    auto started = sync::Uploader::start(std::move(options));
    REQUIRE_MESSAGE(started.ok(), (started.ok() ? "" : started.error().message));
    return std::move(started).value();
}

// Plays one respondent through the app, tapping the first open option of each question, `perTap` apart.
void playRespondent(client::KioskApp& app, client::TimePoint& now, client::Clock::duration perTap = 1s) {
    using K = client::Intent::Kind;
    const auto tap = [&](const client::Intent& intent) {
        now += perTap;
        app.handle(intent, now);
    };
    tap(client::Intent::of(K::Start));
    tap(client::Intent::of(K::AcceptConsent));
    for (int steps = 0; steps < 500 && app.model().screen() == client::Screen::Question; ++steps) {
        const auto view = std::get<client::QuestionView>(app.view(now).content);
        if (view.layout == client::QuestionView::Layout::Number) {
            tap(client::Intent::withText(K::Key, "3"));
        } else {
            for (const auto& option : view.options) {
                if (option.enabled && !option.selected) {
                    tap(option.intent);
                    break;
                }
            }
        }
        tap(client::Intent::of(K::Next));
    }
    REQUIRE(app.model().screen() == client::Screen::Profile);
    tap(client::Intent::of(K::ProfileDone));
    REQUIRE(app.model().screen() == client::Screen::ThankYou);
    now += 10s;
    app.tick(now);
    REQUIRE(app.model().screen() == client::Screen::Welcome);  // ready for the next person
}

client::Screen screenOf(const client::KioskShell& shell) { return shell.screen(); }
client::Screen screenOf(const client::KioskApp& app) { return app.model().screen(); }

// The long press, then `pin`, on a KioskShell or a KioskApp.
template <typename Target>
void openAdmin(Target& target, client::TimePoint& now, const std::string& pin = "482913") {
    target.handle(client::Intent::of(client::Intent::Kind::CornerPressed), now);
    now += 3s;
    target.tick(now);
    REQUIRE(screenOf(target) == client::Screen::PinPad);
    for (const char digit : pin) target.handle(client::Intent::withText(client::Intent::Kind::PinDigit, std::string(1, digit)), now);
    target.handle(client::Intent::of(client::Intent::Kind::PinSubmit), now);
    REQUIRE(screenOf(target) == client::Screen::Admin);
}

}  // namespace

TEST_SUITE("uploader thread") {
    TEST_CASE("the first pass runs at start; notify() sends a new response soon; the status follows") {
        Kiosk kiosk;
        auto outbox = kiosk.outbox();
        addResponses(outbox, 3);
        auto uploader = startUploader(kiosk.config);
        CHECK(eventually([&] { return kiosk.server.stored().size() == 3; }));
        CHECK(eventually([&] { return uploader->snapshot().state == State::Idle && uploader->snapshot().pending == 0; }));
        const auto generation = uploader->generation();

        const auto ids = addResponses(outbox, 1);
        uploader->notify();
        CHECK(eventually([&] { return kiosk.server.stored().count(ids[0]) == 1; }));
        CHECK(eventually([&] { return uploader->generation() > generation && uploader->snapshot().pending == 0; }));
        CHECK(uploader->snapshot().lastSuccess.has_value());
        CHECK(kiosk.server.batchSizes() == std::vector<std::size_t>{3, 1});
    }

    TEST_CASE("401 pauses: notify() does nothing, syncNow() tries again") {
        Kiosk kiosk;
        auto outbox = kiosk.outbox();
        addResponses(outbox, 1);
        std::atomic<bool> revoked{true};
        kiosk.server.on("/api/v1/batches", [&](const FakeRequest& request, int) {
            return revoked ? FakeReply{401, "{}"} : kiosk.server.storeBatch(request);
        });
        auto uploader = startUploader(kiosk.config);
        REQUIRE(eventually([&] { return uploader->snapshot().state == State::Paused; }));
        CHECK(english().status(uploader->snapshot(), std::chrono::system_clock::now()) ==
              "paused: the server refused the token (401); re-enrol; 1 pending");
        addResponses(outbox, 1);
        uploader->notify();
        std::this_thread::sleep_for(200ms);
        CHECK(kiosk.server.requests("/api/v1/batches").size() == 1);

        revoked = false;
        uploader->syncNow();
        CHECK(eventually([&] { return kiosk.server.stored().size() == 2; }));
        CHECK(eventually([&] { return uploader->snapshot().state == State::Idle; }));
    }

    TEST_CASE("a backoff ends by itself and the thread tries again") {
        Kiosk kiosk;
        auto outbox = kiosk.outbox();
        addResponses(outbox, 1);
        kiosk.server.on("/api/v1/batches", [&](const FakeRequest& request, int call) {
            if (call == 1) return FakeReply{503, "{}", "application/json", {{"Retry-After", "1"}}};
            return kiosk.server.storeBatch(request);
        });
        auto uploader = startUploader(kiosk.config);
        CHECK(eventually([&] { return uploader->snapshot().state == State::Waiting; }));
        CHECK(eventually([&] { return kiosk.server.stored().size() == 1; }, 5s));
        CHECK(kiosk.server.requests("/api/v1/batches").size() == 2);
    }

    TEST_CASE("stopping aborts a transfer in flight quickly, and the batch is sent again next time") {
        Kiosk kiosk;
        auto outbox = kiosk.outbox();
        addResponses(outbox, 2);
        kiosk.server.on("/api/v1/batches", [&](const FakeRequest& request, int call) {
            FakeReply reply = kiosk.server.storeBatch(request);
            if (call == 1) reply.delay = 2000ms;
            return reply;
        });
        auto uploader = startUploader(kiosk.config);
        REQUIRE(eventually([&] { return kiosk.server.requests("/api/v1/batches").size() == 1; }));
        const auto started = std::chrono::steady_clock::now();
        uploader.reset();
        CHECK(std::chrono::steady_clock::now() - started < 1500ms);
        CHECK(kiosk.counts().pending == 2);  // not acknowledged, so kept

        auto again = startUploader(kiosk.config);
        CHECK(eventually([&] { return kiosk.counts().pending == 0; }, 8s));
        CHECK(kiosk.server.stored().size() == 2);
    }

    TEST_CASE("a new survey reaches the mailbox") {
        Kiosk kiosk;
        kiosk.server.on("/api/v1/survey", [](const FakeRequest&, int) {
            return FakeReply{200, json{{"survey", pulseSurvey()}}.dump(), "application/json", {{"ETag", "\"p\""}}};
        });
        auto uploader = startUploader(kiosk.config, true);
        std::shared_ptr<const shared::Survey> survey;
        CHECK(eventually([&] { return (survey = uploader->takeSurvey()) != nullptr; }));
        REQUIRE(survey);
        CHECK(survey->id == "pulse");
    }
}

TEST_SUITE("uploader in the kiosk app") {
    TEST_CASE("an enrolled kiosk: new survey between respondents, responses sent after the commit, sync state on the admin screen") {
        Kiosk kiosk;
        auto hash = shared::hashPin("246813");
        REQUIRE(hash.ok());
        kiosk.config.pinHash = *hash;
        kiosk.server.on("/api/v1/survey", [](const FakeRequest&, int) {
            return FakeReply{200, json{{"survey", pulseSurvey()}}.dump(), "application/json", {{"ETag", "\"p\""}}};
        });
        auto created = client::KioskApp::create(kiosk.config);
        REQUIRE_MESSAGE(created.ok(), (created.ok() ? "" : created.error().message));
        auto& app = **created;
        REQUIRE(app.uploader() != nullptr);
        // Enrolled, with no survey from its endpoint yet: not the bundled one, but the not-ready screen.
        CHECK_FALSE(app.model().hasSurvey());
        CHECK(app.model().screen() == client::Screen::NotReady);
        client::TimePoint now = client::Clock::now();
        const auto deadline = app.nextDeadline(now);
        REQUIRE(deadline);
        CHECK(*deadline <= now + 2s);  // it looks at the mailbox often while it waits for its survey

        // The server's survey is taken at the next tick, and the welcome screen shows.
        CHECK(eventually([&] {
            now += 1s;
            app.tick(now);
            return app.model().hasSurvey() && app.model().survey().id == "pulse";
        }));
        CHECK(app.model().screen() == client::Screen::Welcome);
        CHECK(*app.nextDeadline(now) <= now + 60s);  // then now and then, even when idle

        playRespondent(app, now);
        CHECK(app.savedCount() == 1);
        const std::string id = app.lastSavedId();
        CHECK(eventually([&] { return kiosk.server.stored().count(id) == 1; }));

        // The admin screen shows the sync state in plain words, in the kiosk's language (the survey's: Danish),
        // and Sync now reaches the uploader.
        using K = client::Intent::Kind;
        app.handle(client::Intent::of(K::CornerPressed), now);
        now += 3s;
        app.tick(now);
        REQUIRE(app.model().screen() == client::Screen::PinPad);
        for (const char* digit : {"2", "4", "6", "8", "1", "3"}) app.handle(client::Intent::withText(K::PinDigit, digit), now);
        app.handle(client::Intent::of(K::PinSubmit), now);
        REQUIRE(app.model().screen() == client::Screen::Admin);
        CHECK(eventually([&] {
            app.tick(now);
            return app.adminStatus().syncState.rfind("sidst lykkedes ", 0) == 0;
        }));
        CHECK(app.adminStatus().syncState.find(", 0 venter") != std::string::npos);
        const auto requestsBefore = kiosk.server.requests("/api/v1/survey").size();
        app.handle(client::Intent::of(K::AdminSyncNow), now);
        CHECK(eventually([&] { return kiosk.server.requests("/api/v1/survey").size() > requestsBefore; }));
    }

    TEST_CASE("the survey cached from the server is used at start; a kiosk that is not enrolled has no uploader") {
        Kiosk kiosk;
        kiosk.server.on("/api/v1/survey", [](const FakeRequest&, int) {
            return FakeReply{200, json{{"survey", pulseSurvey()}}.dump(), "application/json", {{"ETag", "\"p\""}}};
        });
        CHECK(cli({"sync", "--config", kiosk.configFile.string()}).code == 0);
        auto created = client::KioskApp::create(kiosk.config);
        REQUIRE(created.ok());
        CHECK((*created)->model().survey().id == "pulse");

        auto local = kiosk.config;
        local.deviceToken.clear();
        auto unenrolled = client::KioskApp::create(local);
        REQUIRE(unenrolled.ok());
        CHECK((*unenrolled)->uploader() == nullptr);
        CHECK((*unenrolled)->model().survey().id == "digital-kompetence");
    }
}

TEST_SUITE("held responses in the kiosk app") {
    using K = client::Intent::Kind;

    std::string adminRow(client::KioskApp& app, client::TimePoint now, const std::string& label) {
        const auto view = std::get<client::AdminView>(app.view(now).content);
        for (const auto& [name, value] : view.rows) {
            if (name == label) return value;
        }
        return "(no row " + label + ")";
    }

    bool actionEnabled(client::KioskApp& app, client::TimePoint now, const std::string& label) {
        const auto view = std::get<client::AdminView>(app.view(now).content);
        for (const auto& action : view.actions) {
            if (action.label == label) return action.enabled;
        }
        FAIL("no action " << label);
        return false;
    }

    TEST_CASE("a respondent faster than a person is held: committed, not sent; Send held answers sends it") {
        Kiosk kiosk;
        kiosk.assignSurvey(json::parse(readFile(fs::path(SVARBOKS_SOURCE_DIR) / "assets/surveys/digital-kompetence.json")));
        auto hash = shared::hashPin("246813");
        REQUIRE(hash.ok());
        kiosk.config.pinHash = *hash;
        auto created = client::KioskApp::create(kiosk.config);
        REQUIRE_MESSAGE(created.ok(), (created.ok() ? "" : created.error().message));
        auto& app = **created;
        REQUIRE(app.uploader() != nullptr);
        client::TimePoint now = client::Clock::now();

        // A quarter of a second a tap through the 34 screens of the default survey.
        playRespondent(app, now, 250ms);  // the profile and thank-you as anyone sees them
        const std::string held = app.lastSavedId();
        now += 11min;
        playRespondent(app, now, 3s);  // at a person's pace
        const std::string normal = app.lastSavedId();
        CHECK(eventually([&] { return kiosk.server.stored().count(normal) == 1; }));
        CHECK(kiosk.server.stored().count(held) == 0);
        CHECK(kiosk.counts().held == 1);
        CHECK(eventually([&] { return kiosk.counts().pending == 0; }));  // the server stores before the kiosk removes
        CHECK(eventually([&] { return app.uploader()->snapshot().held == 1; }));

        openAdmin(app, now, "246813");
        CHECK(adminRow(app, now, "Tilbageholdt").rfind("1 svar, afsluttet hurtigere", 0) == 0);
        CHECK(actionEnabled(app, now, "Send tilbageholdte svar"));
        app.handle(client::Intent::of(K::AdminReleaseHeld), now);
        CHECK(app.adminStatus().notice == "1 tilbageholdte svar sendes nu som alle andre.");
        CHECK(adminRow(app, now, "Tilbageholdt") == "ingen");
        CHECK_FALSE(actionEnabled(app, now, "Send tilbageholdte svar"));
        CHECK_FALSE(actionEnabled(app, now, "Slet tilbageholdte svar"));
        CHECK(eventually([&] { return kiosk.server.stored().count(held) == 1; }));
        CHECK(eventually([&] { return kiosk.counts().pending == 0 && kiosk.counts().held == 0; }));
    }

    TEST_CASE("a burst: the fourth respondent within ten minutes is held; Delete held answers asks, then removes only those") {
        Kiosk kiosk;
        kiosk.assignSurvey(json::parse(readFile(fs::path(SVARBOKS_SOURCE_DIR) / "assets/surveys/digital-kompetence.json")));
        auto hash = shared::hashPin("246813");
        REQUIRE(hash.ok());
        kiosk.config.pinHash = *hash;
        auto created = client::KioskApp::create(kiosk.config, false);  // no uploader: what waits stays to be counted
        REQUIRE(created.ok());
        auto& app = **created;
        client::TimePoint now = client::Clock::now();
        std::vector<std::string> ids;
        for (int i = 0; i < 5; ++i) {
            playRespondent(app, now, 1s);  // a second a tap: a minute or so each, back to back
            ids.push_back(app.lastSavedId());
        }
        CHECK(kiosk.counts().pending == 3);
        CHECK(kiosk.counts().held == 2);
        auto outbox = kiosk.outbox();
        std::vector<std::string> pending;
        const auto items = outbox.pending(10);
        REQUIRE(items.ok());
        for (const auto& item : *items) pending.push_back(item.id);
        CHECK(pending == std::vector<std::string>(ids.begin(), ids.begin() + 3));

        openAdmin(app, now, "246813");
        app.handle(client::Intent::of(K::AdminDeleteHeld), now);
        auto view = std::get<client::AdminView>(app.view(now).content);
        REQUIRE(view.confirm.has_value());
        CHECK(view.confirm->question.rfind("Slette 2 tilbageholdte svar for altid? Det er den eneste måde", 0) == 0);
        app.handle(view.confirm->no.intent, now);
        CHECK(kiosk.counts().held == 2);
        app.handle(client::Intent::of(K::AdminDeleteHeld), now);
        view = std::get<client::AdminView>(app.view(now).content);
        REQUIRE(view.confirm.has_value());
        app.handle(view.confirm->yes.intent, now);
        CHECK(app.adminStatus().notice == "2 tilbageholdte svar er slettet for altid.");
        CHECK(kiosk.counts().held == 0);
        CHECK(kiosk.counts().pending == 3);
        CHECK_FALSE(std::get<client::AdminView>(app.view(now).content).confirm.has_value());
    }
}

TEST_SUITE("uploader commands") {
    TEST_CASE("svarboks sync: 1 while responses are held, which stay unsent; status counts them") {
        Kiosk kiosk;
        auto outbox = kiosk.outbox();
        const auto normal = addResponses(outbox, 1);
        const std::string held = shared::newUuidV4();
        REQUIRE(outbox.add(held, shared::randomBytes(100), true).ok());
        const auto run = cli({"sync", "--config", kiosk.configFile.string()});
        CHECK(run.code == 1);
        CHECK(run.err == "svarboks sync: delivered 1 (1 accepted, 0 duplicate); 1 response is held on this kiosk (finished "
                         "implausibly fast or in a burst); send or delete them on the admin screen\n");
        CHECK(kiosk.server.stored().count(normal[0]) == 1);
        CHECK(kiosk.server.stored().count(held) == 0);

        const auto status = cli({"status", "--config", kiosk.configFile.string()});
        CHECK(status.out.find("held:         1 (not sent until an admin sends or deletes them on the kiosk's admin screen)\n") !=
              std::string::npos);
        CHECK(status.out.find(", 0 pending, 1 held") != std::string::npos);
        const json doc = json::parse(cli({"status", "--json", "--config", kiosk.configFile.string()}).out);
        CHECK(doc["held"] == 1);
        CHECK(doc["pending"] == 0);
    }

    TEST_CASE("svarboks sync: 0 when everything is delivered, and status shows it") {
        Kiosk kiosk;
        auto outbox = kiosk.outbox();
        addResponses(outbox, 4);
        const auto run = cli({"sync", "--config", kiosk.configFile.string()});
        CHECK(run.code == 0);
        CHECK(run.out == "svarboks sync: delivered 4 (4 accepted, 0 duplicate); the outbox is empty\n");
        CHECK(run.err.empty());
        CHECK(kiosk.server.stored().size() == 4);

        const auto status = cli({"status", "--config", kiosk.configFile.string()});
        CHECK(status.code == 0);
        CHECK(status.out.find("sync:         last success ") == 0);
        CHECK(status.out.find("pending:      0\n") != std::string::npos);
        CHECK(status.out.find("last attempt: ") != std::string::npos);
        CHECK(status.out.find(" ok: delivered 4 (4 accepted, 0 duplicate)\n") != std::string::npos);
        const auto asJson = cli({"status", "--json", "--config", kiosk.configFile.string()});
        REQUIRE(asJson.code == 0);
        const json doc = json::parse(asJson.out);
        CHECK(doc["pending"] == 0);
        CHECK(doc["quarantined"] == 0);
        CHECK(doc["enrolled"] == true);
        CHECK(doc["last_attempt_ok"] == true);
        CHECK(doc["last_success"].is_string());
        CHECK(doc["device_id"] == "device-1");
        CHECK(doc["quarantine"] == json::array());
    }

    TEST_CASE("svarboks sync: 1 and one line when the server is busy") {
        Kiosk kiosk;
        auto outbox = kiosk.outbox();
        addResponses(outbox, 2);
        kiosk.server.on("/api/v1/batches", [](const FakeRequest&, int) {
            return FakeReply{503, R"({"error":"busy"})", "application/json", {{"Retry-After", "60"}}};
        });
        const auto run = cli({"sync", "--config", kiosk.configFile.string()});
        CHECK(run.code == 1);
        CHECK(run.err.find("svarboks sync: not delivered: server said 503, asked to come back in ") == 0);
        CHECK(run.err.find(" s; 2 pending\n") != std::string::npos);
        CHECK(std::count(run.err.begin(), run.err.end(), '\n') == 1);
        CHECK(kiosk.counts().pending == 2);
    }

    TEST_CASE("svarboks sync: 1 when something is in quarantine, and status lists it with its reason") {
        Kiosk kiosk;
        auto outbox = kiosk.outbox();
        const auto ids = addResponses(outbox, 2);
        kiosk.server.on("/api/v1/batches", [](const FakeRequest& request, int) {
            return FakeServer::replyAll(request, "rejected", "its survey version is unknown");
        });
        const auto run = cli({"sync", "--config", kiosk.configFile.string()});
        CHECK(run.code == 1);
        CHECK(run.err.find("2 responses are in quarantine") != std::string::npos);
        const auto status = cli({"status", "--config", kiosk.configFile.string()});
        CHECK(status.out.find("quarantined:  2\n") != std::string::npos);
        CHECK(status.out.find("quarantine:   " + ids[0] + ": rejected by the server: its survey version is unknown") != std::string::npos);
    }

    TEST_CASE("svarboks sync: 1 when the token is refused or the server cannot be reached; 2 for a usage error") {
        Kiosk kiosk;
        kiosk.server.on("/api/v1/batches", [](const FakeRequest&, int) { return FakeReply{401, "{}"}; });
        auto outbox = kiosk.outbox();
        addResponses(outbox, 1);
        const auto refused = cli({"sync", "--config", kiosk.configFile.string()});
        CHECK(refused.code == 1);
        CHECK(refused.err == "svarboks sync: not delivered: the server refused the token (401); re-enrol; 1 pending\n");
        CHECK(cli({"status", "--config", kiosk.configFile.string()}).out.find("sync:         paused: the server refused the token (401)") == 0);

        auto unreachable = kiosk.config;
        unreachable.endpointUrl = "https://localhost:1";
        REQUIRE(shared::saveConfig(unreachable, kiosk.configFile).ok());
        const auto offline = cli({"sync", "--config", kiosk.configFile.string()});
        CHECK(offline.code == 1);
        CHECK(offline.err.find("svarboks sync: not delivered: no connection") == 0);

        auto notEnrolled = kiosk.config;
        notEnrolled.deviceToken.clear();
        REQUIRE(shared::saveConfig(notEnrolled, kiosk.configFile).ok());
        const auto local = cli({"sync", "--config", kiosk.configFile.string()});
        CHECK(local.code == 1);
        CHECK(local.err.find("not enrolled") != std::string::npos);
        CHECK(cli({"status", "--config", kiosk.configFile.string()}).out.find("sync:         not enrolled") == 0);

        CHECK(cli({"sync", "--config", (kiosk.dir.path() / "missing.json").string()}).code == 2);
        CHECK(cli({"sync", "--bogus"}).code == 2);
        CHECK(cli({"status", "--config"}).code == 2);
    }

    TEST_CASE("svarboks enroll: writes a config from IT's defaults, fetches the unit's survey, and syncs; a refused code exits 1") {
        TempDir dir;
        FakeServer server;
        const fs::path defaults = dir.path() / "it-defaults.json";
        std::ofstream(defaults) << R"({"sync_interval_seconds": 900, "device_token": "not-taken-from-defaults"})";
        REQUIRE(::setenv("SVARBOKS_DEFAULTS", defaults.c_str(), 1) == 0);
        std::atomic<bool> published{true};
        server.on("/api/v1/survey", [&](const FakeRequest&, int) {
            if (!published) return FakeReply{404, R"({"error":"no survey is assigned to this unit"})"};
            return FakeReply{200, json{{"survey", pulseSurvey()}}.dump(), "application/json", {{"ETag", "\"p\""}}};
        });
        const std::string key = shared::publicKeyToBase64(shared::generateKeyPair().publicKey);
        std::atomic<int> enrolled{0};
        server.on("/api/v1/enroll", [&](const FakeRequest& request, int) {
            const json body = json::parse(request.body);
            if (body["code"] != "K7QM-3XHD-9PLA") return FakeReply{403, R"({"error":"unknown, used or expired code"})"};
            ++enrolled;
            return FakeReply{200, json{{"device_id", "dev-9"}, {"device_token", "tok-" + std::string(40, 'x')},
                                       {"unit", {{"id", "u1"}, {"name", "Hjemmeplejen Nord"}}}, {"public_key", key}}.dump()};
        });
        const fs::path file = dir.path() / "etc" / "kiosk.json";
        const auto run = cli({"enroll", "K7QM-3XHD-9PLA", "--endpoint", server.url(), "--ca", certificate().cert.string(), "--config", file.string()});
        CHECK_MESSAGE(run.code == 0, run.err);
        CHECK(run.out.find("Enrolled as device dev-9 of unit Hjemmeplejen Nord") == 0);
        CHECK(run.out.find("The unit's survey is on the kiosk: pulse ") != std::string::npos);
        CHECK(sync::loadCachedSurvey(dir.path() / "etc"));
        struct stat info{};
        REQUIRE(::stat(file.c_str(), &info) == 0);
        CHECK((info.st_mode & 0777) == 0600);
        auto config = shared::loadConfig(file);
        REQUIRE(config.ok());
        CHECK(config->centralPublicKey == key);
        CHECK(config->deviceToken == "tok-" + std::string(40, 'x'));
        CHECK(config->syncIntervalSeconds == 900);
        CHECK(config->outboxFile == (dir.path() / "etc" / "outbox.db").string());
        CHECK(cli({"sync", "--config", file.string()}).code == 0);

        // No survey for the unit: enrolled, but not ready; it says so and exits 1.
        published = false;
        const fs::path second = dir.path() / "second" / "kiosk.json";
        const auto notReady = cli({"enroll", "K7QM-3XHD-9PLA", "--endpoint", server.url(), "--ca", certificate().cert.string(), "--config",
                                   second.string()});
        CHECK(notReady.code == 1);
        CHECK(notReady.err.find("Enrolled as device dev-9") == 0);
        CHECK(notReady.err.find("the unit's survey is not on the kiosk yet") != std::string::npos);
        CHECK(notReady.err.find("not ready") != std::string::npos);
        CHECK(shared::loadConfig(second)->deviceToken == "tok-" + std::string(40, 'x'));
        const auto simulated = cli({"simulate", "1", "--config", second.string(), "--into-production-outbox"});
        CHECK(simulated.code == 1);  // nobody can answer a survey the unit does not have
        CHECK(simulated.err.find("does not have its unit's survey") != std::string::npos);
        published = true;
        CHECK(cli({"sync", "--config", second.string()}).code == 0);
        CHECK(cli({"simulate", "1", "--config", second.string(), "--into-production-outbox"}).code == 0);

        const auto refused = cli({"enroll", "AAAA-BBBB-CCCC", "--endpoint", server.url(), "--ca", certificate().cert.string(), "--config",
                                  (dir.path() / "other.json").string()});
        CHECK(refused.code == 1);
        CHECK(refused.err.find("refused the code") != std::string::npos);
        CHECK(refused.err.find("--request-id") == std::string::npos);
        CHECK_FALSE(fs::exists(dir.path() / "other.json"));

        CHECK(cli({"enroll", "--endpoint", server.url()}).code == 2);
        CHECK(cli({"enroll", "CODE"}).code == 2);
        CHECK(cli({"enroll", "CODE", "--endpoint", "http://insecure.example"}).code == 2);

        std::ofstream(defaults) << R"({"idle_timeout_seconds": "fast"})";
        const auto badDefaults = cli({"enroll", "K7QM-3XHD-9PLA", "--endpoint", server.url(), "--config", (dir.path() / "third.json").string()});
        CHECK(badDefaults.code == 1);
        CHECK(badDefaults.err.find("idle_timeout_seconds") != std::string::npos);
        CHECK(badDefaults.err.find("the code was not used") != std::string::npos);
        REQUIRE(::unsetenv("SVARBOKS_DEFAULTS") == 0);
    }

    TEST_CASE("svarboks outbox retry-quarantined: quarantined answers go back to pending and the next sync sends them") {
        Kiosk kiosk;
        std::atomic<bool> fixed{false};
        kiosk.server.on("/api/v1/batches", [&](const FakeRequest& request, int) {
            return fixed ? kiosk.server.storeBatch(request) : FakeServer::replyAll(request, "rejected", "survey t 1 is not published");
        });
        std::vector<std::string> ids;
        {
            auto outbox = kiosk.outbox();
            ids = addResponses(outbox, 3);
        }
        CHECK(cli({"sync", "--config", kiosk.configFile.string()}).code == 1);
        CHECK(kiosk.counts() == sync::OutboxCounts{0, 3, 0});

        fixed = true;
        const auto moved = cli({"outbox", "retry-quarantined", "--config", kiosk.configFile.string()});
        CHECK_MESSAGE(moved.code == 0, moved.err);
        CHECK(moved.out.find("3 responses were moved from quarantine back to pending") != std::string::npos);
        CHECK(kiosk.counts() == sync::OutboxCounts{3, 0, 0});
        CHECK(cli({"sync", "--config", kiosk.configFile.string()}).code == 0);
        CHECK(kiosk.server.stored().size() == 3);
        CHECK(cli({"outbox", "retry-quarantined", "--config", kiosk.configFile.string()}).out.find(" 0 responses were") != std::string::npos);

        CHECK(cli({"outbox"}).code == 2);
        CHECK(cli({"outbox", "purge"}).code == 2);
        CHECK(cli({"outbox", "retry-quarantined", "--config"}).code == 2);
        CHECK(cli({"outbox", "retry-quarantined", "--config", (kiosk.dir.path() / "missing.json").string()}).code == 2);
    }
}

TEST_SUITE("setup, not ready, and the admin's enrolment actions") {
    using K = client::Intent::Kind;

    // Admin PIN 482913, and the kiosk has the pulse survey from its endpoint.
    void withPinAndPulse(Kiosk& kiosk) {
        auto hash = shared::hashPin("482913");
        REQUIRE(hash.ok());
        kiosk.config.pinHash = *hash;
        REQUIRE(shared::saveConfig(kiosk.config, kiosk.configFile).ok());
        kiosk.assignSurvey(pulseSurvey());
    }

    void typeSetup(client::KioskShell& shell, const std::string& code, client::TimePoint now) {
        shell.handle(client::Intent::withText(K::SetupFocus, "code"), now);
        for (const char c : code) shell.handle(client::Intent::withText(K::KeyboardKey, std::string(1, c)), now);
        shell.handle(client::Intent::withText(K::SetupFocus, "pin"), now);
        for (int twice = 0; twice < 2; ++twice) {
            for (const char c : std::string("482913")) shell.handle(client::Intent::withText(K::KeyboardKey, std::string(1, c)), now);
        }
    }

    TEST_CASE("a kiosk with no config: setup -> enrolling -> enrolled, not ready -> ready when the unit's survey is published") {
        TempDir dir;
        FakeServer server;
        const std::string key = shared::publicKeyToBase64(shared::generateKeyPair().publicKey);
        server.on("/api/v1/enroll", [&](const FakeRequest& request, int) {
            if (json::parse(request.body)["code"] != "K7QM3XHD") return FakeReply{403, R"({"error":"unknown, used or expired code"})"};
            return FakeReply{200, json{{"device_id", "dev-3"}, {"device_token", "tok-" + std::string(40, 'y')},
                                       {"unit", {{"id", "u1"}, {"name", "Solhøj"}}}, {"public_key", key}}.dump()};
        });
        std::atomic<bool> published{false};
        server.on("/api/v1/survey", [&](const FakeRequest&, int) {
            if (!published) return FakeReply{404, R"({"error":"no survey is assigned to this unit"})"};
            return FakeReply{200, json{{"survey", pulseSurvey()}}.dump(), "application/json", {{"ETag", "\"p\""}}};
        });
        const fs::path defaults = dir.path() / "it-defaults.json";
        std::ofstream(defaults) << json{{"endpoint_url", server.url()}, {"ca_file", certificate().cert.string()}, {"sync_interval_seconds", 30}}.dump();
        client::KioskShell::Options options;
        options.configFile = dir.path() / "state" / "kiosk.json";
        options.defaultsFile = defaults;
        options.timeout = 5s;
        auto opened = client::KioskShell::open(options);
        REQUIRE_MESSAGE(opened.ok(), (opened.ok() ? "" : opened.error().message));
        auto& shell = **opened;
        client::TimePoint now = client::Clock::now();
        REQUIRE(shell.screen() == client::Screen::Setup);
        REQUIRE(shell.setup() != nullptr);
        CHECK(shell.setup()->text(client::SetupModel::Field::Endpoint) == server.url());

        const auto enrolAndWait = [&] {
            shell.handle(client::Intent::of(K::SetupEnrol), now);
            CHECK((!shell.setup() || shell.setup()->phase() == client::SetupModel::Phase::Enrolling));
            CHECK(*shell.nextDeadline(now) <= now + 100ms);  // the loop keeps looking while it enrols
            return eventually([&] {
                shell.tick(now);
                return !shell.setup() || shell.setup()->phase() != client::SetupModel::Phase::Enrolling;
            });
        };
        typeSetup(shell, "WRONG", now);
        REQUIRE(enrolAndWait());
        REQUIRE(shell.setup() != nullptr);
        CHECK(shell.setup()->failure() == client::SetupModel::Failure::CodeRefused);
        CHECK_FALSE(fs::exists(options.configFile));
        shell.handle(client::Intent::of(K::SetupRetry), now);
        for (const char c : std::string("K7QM3XHD")) shell.handle(client::Intent::withText(K::KeyboardKey, std::string(1, c)), now);
        REQUIRE(enrolAndWait());
        REQUIRE(shell.app() != nullptr);
        CHECK(shell.screen() == client::Screen::NotReady);
        auto config = shared::loadConfig(options.configFile);
        REQUIRE(config.ok());
        CHECK(config->deviceToken == "tok-" + std::string(40, 'y'));
        CHECK(config->syncIntervalSeconds == 30);
        CHECK(shared::verifyPin("482913", config->pinHash));
        CHECK(eventually([&] {
            shell.tick(now);
            return shell.app()->adminStatus().surveyWait == client::SurveyWait::NoneForUnit;
        }));
        const auto notReady = std::get<client::NotReadyView>(shell.view(now).content);
        CHECK(notReady.detail.find("Solhøj") != std::string::npos);

        // Published: Sync now on the admin screen (behind the new PIN) fetches it, and the not-ready screen
        // gives way to the welcome screen by itself.
        published = true;
        openAdmin(shell, now);
        shell.handle(client::Intent::of(K::AdminSyncNow), now);
        shell.handle(client::Intent::of(K::AdminClose), now);
        CHECK(eventually([&] {
            shell.tick(now);
            return shell.screen() == client::Screen::Welcome;
        }));
        REQUIRE(shell.app()->model().hasSurvey());
        CHECK(shell.app()->model().survey().id == "pulse");
    }

    TEST_CASE("re-enrol: refused while answers wait unsent, saying why; then the setup screen, and Cancel goes back") {
        Kiosk kiosk;
        kiosk.config.sendDelayMinMinutes = 30;  // nothing leaves on its own during the test
        kiosk.config.sendDelayMaxMinutes = 30;
        withPinAndPulse(kiosk);
        {
            auto outbox = kiosk.outbox();
            addResponses(outbox, 2);
        }
        client::KioskShell::Options options;
        options.configFile = kiosk.configFile;
        options.defaultsFile = kiosk.dir.path() / "no-defaults.json";
        auto opened = client::KioskShell::open(options);
        REQUIRE(opened.ok());
        auto& shell = **opened;
        client::TimePoint now = client::Clock::now();
        REQUIRE(shell.screen() == client::Screen::Welcome);
        openAdmin(shell, now);
        shell.handle(client::Intent::of(K::AdminReenrol), now);
        CHECK(shell.screen() == client::Screen::Admin);
        CHECK(shell.app()->adminStatus().notice.find("2 svar venter") != std::string::npos);

        // Sent (Sync now sends at once): now it may.
        shell.handle(client::Intent::of(K::AdminSyncNow), now);
        CHECK(eventually([&] { return kiosk.server.stored().size() == 2; }));
        CHECK(eventually([&] { return kiosk.counts().pending == 0; }));
        shell.handle(client::Intent::of(K::AdminReenrol), now);
        REQUIRE(shell.screen() == client::Screen::Setup);
        REQUIRE(shell.setup() != nullptr);
        CHECK(shell.setup()->canCancel());
        CHECK(shell.setup()->text(client::SetupModel::Field::Endpoint) == kiosk.server.url());
        shell.handle(client::Intent::of(K::SetupCancel), now);
        REQUIRE(shell.app() != nullptr);
        CHECK(shell.screen() == client::Screen::Welcome);
        CHECK(shell.app()->model().survey().id == "pulse");
    }

    TEST_CASE("admin: Change PIN stores only the new PIN's hash; Send quarantined answers again moves them back to pending") {
        Kiosk kiosk;
        withPinAndPulse(kiosk);
        kiosk.server.on("/api/v1/batches", [&](const FakeRequest& request, int) { return FakeServer::replyAll(request, "rejected", "unknown survey"); });
        {
            auto outbox = kiosk.outbox();
            addResponses(outbox, 2);
        }
        CHECK(cli({"sync", "--config", kiosk.configFile.string()}).code == 1);
        REQUIRE(kiosk.counts().quarantined == 2);
        REQUIRE(sync::loadCachedSurvey(kiosk.dir.path()));
        auto created = client::KioskApp::create(kiosk.config, false, kiosk.configFile);
        REQUIRE(created.ok());
        auto& app = **created;
        client::TimePoint now = client::Clock::now();
        openAdmin(app, now);

        app.handle(client::Intent::of(K::AdminRetryQuarantined), now);
        CHECK(kiosk.counts() == sync::OutboxCounts{2, 0, 0});
        CHECK(app.adminStatus().notice.find("2 svar fra karantænen") == 0);

        app.handle(client::Intent::of(K::AdminChangePin), now);
        REQUIRE(app.model().screen() == client::Screen::NewPin);
        for (int twice = 0; twice < 2; ++twice) {
            for (const char c : std::string("135790")) app.handle(client::Intent::withText(K::PinDigit, std::string(1, c)), now);
            app.handle(client::Intent::of(K::PinSubmit), now);
        }
        CHECK(app.model().screen() == client::Screen::Admin);
        CHECK(app.adminStatus().notice == "PIN-koden er skiftet. Brug den nye næste gang.");
        const std::string stored = readFile(kiosk.configFile);
        CHECK(stored.find("135790") == std::string::npos);
        auto reloaded = shared::loadConfig(kiosk.configFile);
        REQUIRE(reloaded.ok());
        CHECK(shared::verifyPin("135790", reloaded->pinHash));
        CHECK_FALSE(shared::verifyPin("482913", reloaded->pinHash));
        CHECK(reloaded->deviceToken == kiosk.config.deviceToken);  // nothing else changed

        // The running kiosk takes the new PIN at once.
        app.handle(client::Intent::of(K::AdminClose), now);
        openAdmin(app, now, "135790");
    }
}
