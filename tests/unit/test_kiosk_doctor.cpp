// `svarboks doctor` and the admin screen's Check (client/kiosk_doctor.hpp) against the scripted HTTPS server:
// each line finds what IT would otherwise find only when answers stop arriving, and says what to do.
#include "test_uploader_support.hpp"

#include "svarboks/client/cli.hpp"
#include "svarboks/client/kiosk_doctor.hpp"
#include "svarboks/shared/config.hpp"
#include "svarboks/sync/outbox.hpp"
#include "svarboks/sync/sync_state.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>
#include <sstream>

using namespace svarboks;
using namespace svarboks::test;
using namespace std::chrono_literals;
using nlohmann::json;
using Level = shared::Check::Level;

namespace {

// "Mon, 07 Dec 2026 02:10:00 GMT" for `offset` from now.
std::string httpDate(std::chrono::seconds offset) {
    const std::time_t t = std::time(nullptr) + offset.count();
    std::tm utc{};
    gmtime_r(&t, &utc);
    char text[64];
    std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &utc);
    return text;
}

// An enrolled kiosk whose unit's survey is cached, with a config file of mode 0600, and a server that
// answers /healthz with its clock `serverOffset` from ours and /api/v1/survey with 304.
struct Kiosk {
    TempDir dir;
    FakeServer server;
    shared::KioskConfig config = kioskConfig(dir.path(), server.url());
    fs::path configFile = dir.path() / "kiosk.json";
    std::chrono::seconds serverOffset{0};

    Kiosk() {
        save();
        server.on("/healthz", [this](const FakeRequest&, int) { return FakeReply{200, "ok", "text/plain", {{"Date", httpDate(serverOffset)}}}; });
        server.on("/api/v1/survey", [](const FakeRequest&, int) { return FakeReply{304, ""}; });
        const json survey = json::parse(readFile(fs::path(SVARBOKS_SOURCE_DIR) / "assets/surveys/pulse.json"));
        REQUIRE(sync::writeSurveyCache(dir.path(), "\"pulse-etag\"", config.centralPublicKey, survey).ok());
    }
    void save() { REQUIRE(shared::saveConfig(config, configFile).ok()); }

    std::vector<shared::Check> doctor(const std::string& locale = "en", std::chrono::milliseconds timeout = 4s) const {
        client::DoctorOptions options;
        options.configFile = configFile;
        options.timeout = timeout;
        options.timeZone = "Europe/Copenhagen";
        options.environment = [](const char*) { return std::optional<std::string>(); };
        return client::kioskDoctor(options, kioskTexts(), locale);
    }
};

// A copy: the tests often ask a temporary run for one line.
shared::Check line(const std::vector<shared::Check>& checks, const std::string& name) {
    const shared::Check none{Level::Problem, "(missing)", "", ""};
    for (const auto& check : checks) {
        if (check.name == name) return check;
    }
    std::string names;
    for (const auto& check : checks) names += "'" + check.name + "' ";
    FAIL_CHECK("no line '" << name << "'; there are " << names);
    return none;
}

bool has(const std::vector<shared::Check>& checks, const std::string& name) {
    return std::any_of(checks.begin(), checks.end(), [&](const shared::Check& c) { return c.name == name; });
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string printed(const std::vector<shared::Check>& checks) {
    std::ostringstream out;
    (void)shared::printChecks(checks, out);
    return out.str();
}

}  // namespace

TEST_SUITE("kiosk doctor") {

TEST_CASE("an enrolled kiosk with its survey, against a healthy endpoint: every line is ok, and no answer travels") {
    Kiosk kiosk;
    {
        auto outbox = sync::Outbox::open(kiosk.config.outboxFile);
        REQUIRE(outbox.ok());
        addResponses(*outbox, 3);
    }
    const auto checks = kiosk.doctor();
    INFO(printed(checks));
    for (const char* name : {"config", "time zone", "disk", "outbox", "endpoint", "TLS and pin", "clock", "enrolment", "survey"}) {
        CHECK_MESSAGE(line(checks, name).level == Level::Ok, name << ": " << line(checks, name).detail);
        CHECK(line(checks, name).action.empty());
    }
    CHECK(line(checks, "outbox").detail == "intact: 3 pending, 0 held back, 0 quarantined");
    CHECK(line(checks, "survey").detail == "pulse 2026.1, from the central endpoint");
    CHECK(line(checks, "clock").detail == "agrees with the central endpoint's clock");
    CHECK(contains(line(checks, "TLS and pin").detail, "ca_file " + kiosk.config.caFile));
    CHECK(line(checks, "enrolment").detail == "the central endpoint knows this kiosk (device device-1)");

    // What travelled: /healthz with no token, then the survey check as every sync makes it. No batch.
    const auto requests = kiosk.server.requests();
    REQUIRE(requests.size() == 2);
    CHECK(requests[0].path == "/healthz");
    CHECK(requests[0].header("Authorization").empty());
    CHECK(requests[1].path == "/api/v1/survey");
    CHECK(requests[1].header("Authorization") == "Bearer " + kiosk.config.deviceToken);
    CHECK(requests[1].header("If-None-Match") == "\"pulse-etag\"");
    CHECK(kiosk.server.requests("/api/v1/batches").empty());

    SUBCASE("in Danish on the admin screen") {
        const auto danish = kiosk.doctor("da");
        CHECK(line(danish, "konfiguration").level == Level::Ok);
        CHECK(line(danish, "udbakke").detail == "intakt: 3 venter, 0 tilbageholdt, 0 i karantæne");
        CHECK(line(danish, "tilmelding").level == Level::Ok);
    }
}

TEST_CASE("the clock against the server's Date header: a minute is fine, more is a warning, five is a problem") {
    Kiosk kiosk;
    kiosk.serverOffset = -30s;
    CHECK(line(kiosk.doctor(), "clock").level == Level::Ok);

    kiosk.serverOffset = -90s;
    auto clock = line(kiosk.doctor(), "clock");
    CHECK(clock.level == Level::Warning);
    CHECK(contains(clock.detail, "ahead of the central endpoint's clock"));

    kiosk.serverOffset = 10min;
    clock = line(kiosk.doctor(), "clock");
    CHECK(clock.level == Level::Problem);
    CHECK(clock.detail == "10 min behind the central endpoint's clock");
    CHECK(contains(clock.action, "timedatectl set-ntp true"));
    CHECK(contains(clock.action, "week"));

    SUBCASE("a server that sends no Date: said so, not guessed") {
        kiosk.server.on("/healthz", [](const FakeRequest&, int) { return FakeReply{200, "ok", "text/plain"}; });
        clock = line(kiosk.doctor(), "clock");
        CHECK(clock.level == Level::Warning);
        CHECK(contains(clock.detail, "no Date header"));
    }
}

TEST_CASE("TLS: a certificate the kiosk does not trust, and a pinned key that differs, are their own line with what IT does") {
    Kiosk kiosk;
    SUBCASE("the wrong CA in ca_file") {
        kiosk.config.caFile = certificate(1).cert.string();
        kiosk.save();
        const auto checks = kiosk.doctor();
        const auto& tls = line(checks, "TLS and pin");
        CHECK(tls.level == Level::Problem);
        CHECK(contains(tls.detail, "could not be verified"));
        CHECK(contains(tls.action, "ca_file"));
        CHECK(line(checks, "enrolment").level == Level::Warning);  // not asked: nothing goes to a server the kiosk cannot trust
        CHECK(kiosk.server.requests().empty());
    }
    SUBCASE("pinned_public_key of another key") {
        kiosk.config.pinnedPublicKey = certificate(1).pin;
        kiosk.save();
        const auto& tls = line(kiosk.doctor(), "TLS and pin");
        CHECK(tls.level == Level::Problem);
        CHECK(contains(tls.detail, "pinned_public_key"));
        CHECK(contains(tls.action, "pinned_public_key"));
        CHECK(kiosk.server.requests().empty());
    }
    SUBCASE("the right pin") {
        kiosk.config.pinnedPublicKey = certificate().pin;
        kiosk.save();
        const auto& tls = line(kiosk.doctor(), "TLS and pin");
        CHECK(tls.level == Level::Ok);
        CHECK(contains(tls.detail, "matches pinned_public_key"));
    }
}

TEST_CASE("enrolment: a token the server refuses (401) means enrol again") {
    Kiosk kiosk;
    kiosk.server.on("/api/v1/survey", [](const FakeRequest&, int) { return FakeReply{401, R"({"error":"unknown or revoked token"})"}; });
    const auto& enrolment = line(kiosk.doctor(), "enrolment");
    CHECK(enrolment.level == Level::Problem);
    CHECK(contains(enrolment.detail, "401"));
    CHECK(contains(enrolment.action, "Enrol the kiosk again"));
    CHECK(contains(enrolment.action, "svarboks enroll"));
}

TEST_CASE("survey: without the unit's survey the kiosk shows 'not ready', and the line says why") {
    Kiosk kiosk;
    REQUIRE(sync::forgetCachedSurvey(kiosk.dir.path()).ok());
    auto survey = line(kiosk.doctor(), "survey");
    CHECK(survey.level == Level::Problem);
    CHECK(contains(survey.detail, "not ready"));
    CHECK(contains(survey.action, "svarboks sync"));

    kiosk.server.on("/api/v1/survey", [](const FakeRequest&, int) { return FakeReply{404, R"({"error":"no survey for this unit"})"}; });
    survey = line(kiosk.doctor(), "survey");
    CHECK(survey.level == Level::Problem);
    CHECK(contains(survey.detail, "no survey for this kiosk's unit"));
    CHECK(contains(survey.action, "publish"));
}

TEST_CASE("outbox: damaged is a problem; quarantined answers are a warning that says how to send them again") {
    Kiosk kiosk;
    std::vector<std::string> ids;
    {
        auto outbox = sync::Outbox::open(kiosk.config.outboxFile);
        REQUIRE(outbox.ok());
        ids = addResponses(*outbox, 60, 3000);
    }
    SUBCASE("quarantined") {
        {
            auto outbox = sync::Outbox::open(kiosk.config.outboxFile);
            REQUIRE(outbox.ok());
            REQUIRE(outbox->quarantine(ids.front(), "unknown survey version").ok());
        }
        const auto& outbox = line(kiosk.doctor(), "outbox");
        CHECK(outbox.level == Level::Warning);
        CHECK(outbox.detail == "intact: 59 pending, 0 held back, 1 quarantined");
        CHECK(contains(outbox.action, "svarboks outbox retry-quarantined"));
    }
    SUBCASE("damaged pages") {
        std::string bytes = readFile(kiosk.config.outboxFile);
        REQUIRE(bytes.size() > 64 * 1024);
        for (std::size_t i = 8192; i < 40960; i += 7) bytes[i] = static_cast<char>(bytes[i] ^ 0x5a);
        { std::ofstream(kiosk.config.outboxFile, std::ios::binary | std::ios::trunc) << bytes; }
        const auto& outbox = line(kiosk.doctor(), "outbox");
        CHECK(outbox.level == Level::Problem);
        CHECK(contains(outbox.action, "keep a copy of " + kiosk.config.outboxFile));
    }
}

TEST_CASE("config: readable by others is a warning (it holds the token); unreadable leaves out what needs it") {
    Kiosk kiosk;
    fs::permissions(kiosk.configFile, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read);
    auto config = line(kiosk.doctor(), "config");
    CHECK(config.level == Level::Warning);
    CHECK(contains(config.detail, "mode 0644"));
    CHECK(config.action == "chmod 600 " + kiosk.configFile.string());
    const std::size_t asked = kiosk.server.requests().size();

    { std::ofstream(kiosk.configFile, std::ios::trunc) << R"({"idle_timeout_seconds": "fast"})"; }
    auto checks = kiosk.doctor();
    CHECK(line(checks, "config").level == Level::Problem);
    CHECK(contains(line(checks, "config").action, "svarboks config check --config " + kiosk.configFile.string()));
    CHECK_FALSE(has(checks, "endpoint"));
    CHECK_FALSE(has(checks, "outbox"));
    CHECK(has(checks, "fonts"));

    fs::remove(kiosk.configFile);
    checks = kiosk.doctor();
    CHECK(contains(line(checks, "config").action, "svarboks enroll"));
    CHECK(kiosk.server.requests().size() == asked);  // without a config, nothing is asked
}

TEST_CASE("endpoint: no connection, or a server too slow, is a problem within the timeout, never a hang") {
    Kiosk kiosk;
    SUBCASE("nothing listens") {
        kiosk.config.endpointUrl = "https://127.0.0.1:1";
        kiosk.save();
        const auto checks = kiosk.doctor();
        CHECK(line(checks, "endpoint").level == Level::Problem);
        CHECK(contains(line(checks, "endpoint").action, "proxy"));
        CHECK_FALSE(has(checks, "TLS and pin"));
        CHECK(line(checks, "enrolment").level == Level::Warning);
        CHECK(line(checks, "survey").level == Level::Ok);  // the cached survey still shows
    }
    SUBCASE("a server that answers after 3 s, with a timeout of 1 s") {
        kiosk.server.on("/healthz", [](const FakeRequest&, int) {
            FakeReply reply{200, "ok", "text/plain"};
            reply.delay = 3s;
            return reply;
        });
        const auto started = std::chrono::steady_clock::now();
        const auto checks = kiosk.doctor("en", 1s);
        CHECK(std::chrono::steady_clock::now() - started < 2500ms);
        CHECK(line(checks, "endpoint").level == Level::Problem);
    }
    SUBCASE("a page that is not the central endpoint's") {
        kiosk.server.on("/healthz", [](const FakeRequest&, int) { return FakeReply{200, "<html>Log in to the guest network</html>", "text/html"}; });
        const auto& endpoint = line(kiosk.doctor(), "endpoint");
        CHECK(endpoint.level == Level::Problem);
        CHECK(contains(endpoint.action, "endpoint_url"));
    }
    SUBCASE("a server that cannot take answers now") {
        kiosk.server.on("/healthz", [](const FakeRequest&, int) { return FakeReply{503, "unavailable", "text/plain", {{"Date", httpDate(0s)}}}; });
        CHECK(line(kiosk.doctor(), "endpoint").level == Level::Warning);
    }
}

TEST_CASE("a kiosk not enrolled: the enrolment line says how; its survey_file is checked; nothing is asked") {
    TempDir dir;
    shared::KioskConfig config = kioskConfig(dir.path(), "", "");
    config.caFile.clear();
    REQUIRE(shared::saveConfig(config, dir / "kiosk.json").ok());
    client::DoctorOptions options;
    options.configFile = dir / "kiosk.json";
    const auto checks = client::kioskDoctor(options, kioskTexts(), "en");
    CHECK(line(checks, "enrolment").level == Level::Problem);
    CHECK(contains(line(checks, "enrolment").action, "setup screen"));
    CHECK(line(checks, "survey").level == Level::Ok);
    CHECK(contains(line(checks, "survey").detail, "digital-kompetence"));
    CHECK(line(checks, "outbox").detail == "no answers yet (" + config.outboxFile + " is made with the first)");
    CHECK_FALSE(fs::exists(config.outboxFile));  // doctor does not make it
    CHECK_FALSE(has(checks, "endpoint"));
}

TEST_CASE("display: named and listening, named and gone, or none in this session") {
    TempDir dir;
    const fs::path socketPath = dir / "wayland-1";
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::snprintf(address.sun_path, sizeof address.sun_path, "%s", socketPath.c_str());
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);

    std::map<std::string, std::string> env;
    client::DoctorOptions options;
    options.configFile = dir / "missing.json";
    options.environment = [&env](const char* name) -> std::optional<std::string> {
        const auto it = env.find(name);
        return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
    const auto display = [&] { return line(client::kioskDoctor(options, kioskTexts(), "en"), "display"); };

    CHECK(display().level == Level::Warning);
    CHECK(contains(display().action, "SSH"));
    env = {{"WAYLAND_DISPLAY", "wayland-1"}, {"XDG_RUNTIME_DIR", dir.path().string()}};
    CHECK(display().level == Level::Ok);
    CHECK(display().detail == "Wayland display wayland-1");
    env = {{"WAYLAND_DISPLAY", "wayland-9"}, {"XDG_RUNTIME_DIR", dir.path().string()}};
    CHECK(display().level == Level::Problem);
    CHECK(contains(display().action, "systemctl restart svarboks-kiosk"));
    env = {{"DISPLAY", ":4242"}};
    CHECK(display().level == Level::Problem);
    CHECK(contains(display().detail, "/tmp/.X11-unix/X4242"));
    ::close(fd);
}

TEST_CASE("svarboks doctor: a line per check, exit 0 with warnings alone, 1 on a problem") {
    Kiosk kiosk;
    // The display line reads the environment: none here, so a warning, whatever display the tests run under.
    const auto saved = [](const char* name) { const char* v = std::getenv(name); return v ? std::optional<std::string>(v) : std::nullopt; };
    const auto wayland = saved("WAYLAND_DISPLAY");
    const auto x11 = saved("DISPLAY");
    ::unsetenv("WAYLAND_DISPLAY");
    ::unsetenv("DISPLAY");
    const auto run = [&] {
        std::istringstream in;
        std::ostringstream out, err;
        const int code = client::runCli({"doctor", "--config", kiosk.configFile.string()}, in, out, err);
        return std::make_pair(code, out.str());
    };
    auto [code, out] = run();
    INFO(out);
    CHECK(code == 0);
    for (const char* name : {"config", "time zone", "network time", "disk", "fonts", "display", "read aloud", "outbox", "endpoint", "TLS and pin",
                             "clock", "enrolment", "survey"}) {
        CHECK_MESSAGE((contains(out, std::string("ok      ") + name + ": ") || contains(out, std::string("warning ") + name + ": ")), name);
    }
    CHECK(contains(out, "warning display: no display in this session"));
    CHECK_FALSE(contains(out, "PROBLEM"));

    kiosk.server.on("/api/v1/survey", [](const FakeRequest&, int) { return FakeReply{401, R"({"error":"revoked"})"}; });
    std::tie(code, out) = run();
    CHECK(code == 1);
    CHECK(contains(out, "PROBLEM enrolment: the central endpoint refused this kiosk's token (401)"));
    CHECK(contains(out, "         -> enrol again with a new code"));

    std::istringstream in;
    std::ostringstream help, err;
    CHECK(client::runCli({"doctor", "--help"}, in, help, err) == 0);
    CHECK(contains(help.str(), "warnings alone: 0"));
    if (wayland) ::setenv("WAYLAND_DISPLAY", wayland->c_str(), 1);
    if (x11) ::setenv("DISPLAY", x11->c_str(), 1);
}

}  // TEST_SUITE
