// The uploader's thread, its place in KioskApp, and `svarboks sync`, `status` and `enroll` run in-process as a
// person would run them, against the scripted HTTPS server. These use the real clock (short waits, polled).
#include "test_uploader_support.hpp"

#include "svarboks/client/cli.hpp"
#include "svarboks/client/kiosk_app.hpp"
#include "svarboks/shared/config.hpp"
#include "svarboks/shared/sealing.hpp"
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
        CHECK(app.model().survey().id == "digital-kompetence");
        client::TimePoint now = client::Clock::now();
        const auto deadline = app.nextDeadline(now);
        REQUIRE(deadline);
        CHECK(*deadline <= now + 60s);  // the app looks at the mailbox now and then, even when idle

        // The server's survey is taken on the welcome screen at the next tick.
        CHECK(eventually([&] {
            now += 1s;
            app.tick(now);
            return app.model().survey().id == "pulse";
        }));

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

    void openAdmin(client::KioskApp& app, client::TimePoint& now) {
        app.handle(client::Intent::of(K::CornerPressed), now);
        now += 3s;
        app.tick(now);
        REQUIRE(app.model().screen() == client::Screen::PinPad);
        for (const char* digit : {"2", "4", "6", "8", "1", "3"}) app.handle(client::Intent::withText(K::PinDigit, digit), now);
        app.handle(client::Intent::of(K::PinSubmit), now);
        REQUIRE(app.model().screen() == client::Screen::Admin);
    }

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

        openAdmin(app, now);
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

        openAdmin(app, now);
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

    TEST_CASE("svarboks enroll: writes a config that syncs; a refused code exits 1") {
        TempDir dir;
        FakeServer server;
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
        struct stat info{};
        REQUIRE(::stat(file.c_str(), &info) == 0);
        CHECK((info.st_mode & 0777) == 0600);
        auto config = shared::loadConfig(file);
        REQUIRE(config.ok());
        CHECK(config->centralPublicKey == key);
        CHECK(config->deviceToken == "tok-" + std::string(40, 'x'));
        CHECK(cli({"sync", "--config", file.string()}).code == 0);

        const auto refused = cli({"enroll", "AAAA-BBBB-CCCC", "--endpoint", server.url(), "--ca", certificate().cert.string(), "--config",
                                  (dir.path() / "other.json").string()});
        CHECK(refused.code == 1);
        CHECK(refused.err.find("refused the code") != std::string::npos);
        CHECK(refused.err.find("--request-id") == std::string::npos);
        CHECK_FALSE(fs::exists(dir.path() / "other.json"));

        CHECK(cli({"enroll", "--endpoint", server.url()}).code == 2);
        CHECK(cli({"enroll", "CODE"}).code == 2);
        CHECK(cli({"enroll", "CODE", "--endpoint", "http://insecure.example"}).code == 2);
    }
}
