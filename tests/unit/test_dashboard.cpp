// The dashboard as a function of plain requests (dashboard.hpp): accounts, login and lockout, sessions
// and their expiry, CSRF, every page behind the login, the security headers, and that a hidden figure's
// number never reaches a page or a download. The last cases run it behind the real HTTPS server.
#include "svarboks/server/accounts.hpp"
#include "svarboks/server/dashboard.hpp"
#include "svarboks/server/html.hpp"
#include "svarboks/server/http_server.hpp"
#include "svarboks/server/report_csv.hpp"
#include "svarboks/server/svg.hpp"
#include "svarboks/server/tally.hpp"
#include "svarboks/shared/hashing.hpp"
#include "test_server_fixture.hpp"

#include <doctest/doctest.h>
#include <httplib.h>

#include <signal.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include <mutex>
#include <thread>

namespace svarboks::test {
namespace {

using server::WebRequest;
using server::WebResponse;

constexpr const char* kPassword = "correct horse battery";
constexpr const char* kSessionCookie = "__Host-svarboks_session";

server::DashboardOptions fastOptions() {
    server::DashboardOptions options;
    options.accounts.cost = server::PasswordCost::Minimum;
    options.accounts.loginAttemptsPerMinute = 1000;  // the throttle has its own case
    return options;
}

// The value of a cookie set by a response ("" when it sets none).
std::string setCookie(const WebResponse& response, const std::string& name) {
    for (const auto& [key, value] : response.headers) {
        if (key != "Set-Cookie" || value.rfind(name + "=", 0) != 0) continue;
        return value.substr(name.size() + 1, value.find(';') - name.size() - 1);
    }
    return "";
}

std::string setCookieLine(const WebResponse& response, const std::string& name) {
    for (const auto& [key, value] : response.headers) {
        if (key == "Set-Cookie" && value.rfind(name + "=", 0) == 0) return value;
    }
    return "";
}

// The CSRF token a page's forms carry.
std::string csrfOf(const std::string& html) {
    const std::string marker = "name=\"csrf\" value=\"";
    const auto at = html.find(marker);
    if (at == std::string::npos) return "";
    const auto start = at + marker.size();
    return html.substr(start, html.find('"', start) - start);
}

struct Board {
    explicit Board(server::DashboardOptions options = fastOptions()) {
        auto hash = server::hashPassword(kPassword, server::PasswordCost::Minimum);
        REQUIRE(hash.ok());
        REQUIRE(central.store->addUser({"anna", *hash, "2026-11-23", 0, 0}).ok());
        make(std::move(options));
    }
    void make(server::DashboardOptions options) {
        dashboard = std::make_unique<server::Dashboard>(*central.store, std::move(options), central.fakeClock.clock(),
                                                        [this](std::chrono::milliseconds wait) { waits.push_back(wait); });
    }

    static WebRequest request(const std::string& method, const std::string& path, const std::string& query = "") {
        WebRequest request;
        request.method = method;
        request.path = path;
        request.query = server::parseUrlEncoded(query);
        request.host = "127.0.0.1:8443";
        request.clientAddress = "192.0.2.7";
        return request;
    }
    WebResponse get(const std::string& path, const std::string& query = "", const std::string& session = "") {
        auto r = request("GET", path, query);
        if (!session.empty()) r.cookies = std::string(kSessionCookie) + "=" + session;
        return dashboard->handle(r);
    }
    WebResponse post(const std::string& path, const std::string& form, const std::string& session = "",
                     const std::string& fetchSite = "same-origin") {
        auto r = request("POST", path);
        r.form = server::parseUrlEncoded(form);
        r.fetchSite = fetchSite;
        if (!session.empty()) r.cookies = std::string(kSessionCookie) + "=" + session;
        return dashboard->handle(r);
    }
    WebResponse login(const std::string& user, const std::string& password) {
        return post("/login", "user=" + server::urlEncode(user) + "&password=" + server::urlEncode(password));
    }
    std::string signIn() {
        const auto response = login("anna", kPassword);
        REQUIRE(response.status == 303);
        const std::string token = setCookie(response, kSessionCookie);
        REQUIRE(!token.empty());
        return token;
    }
    void addUnit(const std::string& id, const std::string& name, const std::string& group = "") {
        REQUIRE(central.store->addUnit({id, name, group}).ok());
    }
    // Stores `count` pulse responses for a unit, as ingest would (with their tallies).
    void respond(const std::string& unit, int count, const std::string& period = "2026-W47") {
        for (int i = 0; i < count; ++i) {
            const json answers = validPulseAnswers();
            server::IncomingItem item;
            item.id = shared::newUuidV4();
            item.sealed = item.id;
            item.sealedSha256 = shared::sha256Hex(item.id);
            item.response = server::StoredResponse{item.id, unit, "pulse", central.pulse.version, period, "da", answers.dump()};
            item.tallies = server::responseTallies(central.pulse, answers);
            auto stored = central.store->storeItems(std::vector<server::IncomingItem>{item}, period);
            REQUIRE(stored.ok());
        }
    }

    Central central;
    std::vector<std::chrono::milliseconds> waits;
    std::unique_ptr<server::Dashboard> dashboard;
};

// A hand-made report whose hidden figures carry a tell-tale number in every field a careless page could
// read (the report contract says they are 0). None may show up anywhere.
constexpr std::int64_t kTell = 7919;
constexpr double kTellMean = 0.8713;  // would print as 87 %

server::Report tellTaleReport() {
    using server::Count;
    using server::Hidden;
    using server::ReportRow;
    server::Report report;
    report.k = 5;
    report.survey.id = "pulse";
    report.survey.version = "2026.1";
    report.survey.defaultLocale = "da";
    report.survey.title = shared::LocalizedText("Digital puls");
    report.survey.areas = {{"a", shared::LocalizedText("Område A")}, {"b", shared::LocalizedText("Område B")}};
    report.survey.levels = {{"low", shared::LocalizedText("Lav")}, {"high", shared::LocalizedText("Høj")}};
    report.survey.questions = {{"q1", shared::LocalizedText("Spørgsmål et"), false,
                                {{"1", shared::LocalizedText("Ja")}, {"2", shared::LocalizedText("Nej")}}}};
    report.weeks = {"2026-W47", "2026-W48"};

    const auto shownArea = [](std::int64_t n) { return server::AreaFigures{Count{Hidden::No, n}, 0.5, {n / 2, n - n / 2}}; };
    const auto hiddenArea = [](Hidden why) { return server::AreaFigures{Count{why, kTell}, kTellMean, {kTell, kTell}}; };
    const auto row = [&](ReportRow::Kind kind, std::string id, std::string name, std::string group, Count respondents) {
        ReportRow r;
        r.kind = kind;
        r.id = std::move(id);
        r.name = std::move(name);
        r.group = std::move(group);
        r.respondents = respondents;
        return r;
    };
    ReportRow total = row(ReportRow::Kind::Total, "", "", "", {Hidden::No, 40});
    total.areas = {shownArea(40), shownArea(40)};
    total.questions = {{{Hidden::No, 40}, {20, 20}}};
    ReportRow group = row(ReportRow::Kind::Group, "hjemmeplejen", "hjemmeplejen", "", {Hidden::No, 40});
    group.areas = {shownArea(40), shownArea(40)};
    group.questions = {{{Hidden::No, 40}, {20, 20}}};
    ReportRow shown = row(ReportRow::Kind::Unit, "shown", "Synlig enhed", "hjemmeplejen", {Hidden::No, 33});
    shown.areas = {shownArea(33), shownArea(33)};
    shown.questions = {{{Hidden::No, 33}, {11, 22}}};
    shown.weeks = {{Hidden::No, 30}, {Hidden::Secondary, kTell}};
    ReportRow few = row(ReportRow::Kind::Unit, "few", "Lille enhed", "hjemmeplejen", {Hidden::FewerThanK, kTell});
    few.areas = {hiddenArea(Hidden::FewerThanK), hiddenArea(Hidden::FewerThanK)};
    few.questions = {{{Hidden::FewerThanK, kTell}, {kTell, kTell}}};
    few.weeks = {{Hidden::FewerThanK, kTell}, {Hidden::FewerThanK, kTell}};
    ReportRow second = row(ReportRow::Kind::Unit, "second", "Anden enhed", "hjemmeplejen", {Hidden::Secondary, kTell});
    second.areas = {hiddenArea(Hidden::Secondary), hiddenArea(Hidden::Secondary)};
    second.questions = {{{Hidden::Secondary, kTell}, {kTell, kTell}}};
    second.weeks = {{Hidden::Secondary, kTell}, {Hidden::FewerThanK, kTell}};
    report.rows = {total, group, shown, few, second};
    return report;
}

// No trace of the tell-tale numbers: as digits, with a thousands separator, or as the mean's percentage.
void checkNoTell(const std::string& text, const std::string& where) {
    INFO(where);
    for (const char* tell : {"7919", "7.919", "7,919", "87 %", "87\xc2\xa0%", "87%", "0.871", "0,871", "0.8713"}) {
        CHECK_MESSAGE(text.find(tell) == std::string::npos, "found " << tell);
    }
}

}  // namespace

TEST_SUITE("dashboard") {

TEST_CASE("users: add (from standard input or generated), list, unlock and remove, with the real binary") {
    Board board;
    const std::string data = board.central.data.root.string();
    struct Ran {
        int code = -1;
        std::string output;
    };
    // Runs svarboks-central with `input` on standard input (never a terminal here), stdout and stderr together.
    const auto central = [&](const std::string& args, const std::string& input = "") {
        const fs::path in = board.central.dir.path() / "stdin.txt";
        std::ofstream(in, std::ios::binary) << input;
        const std::string command = std::string(SVARBOKS_CENTRAL_BINARY) + " " + args + " --data '" + data + "' <'" + in.string() + "' 2>&1";
        Ran ran;
        FILE* pipe = ::popen(command.c_str(), "r");
        REQUIRE(pipe != nullptr);
        char buffer[4096];
        for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) ran.output.append(buffer, n);
        const int status = ::pclose(pipe);
        ran.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        return ran;
    };

    auto added = central("users add bo --password-stdin", "a password for bo\n");
    CHECK(added.code == 0);
    CHECK(added.output.find("Added user bo") != std::string::npos);
    CHECK(added.output.find("a password for bo") == std::string::npos);
    CHECK(central("users add bo --password-stdin", "another password for bo\n").output.find("user 'bo' already exists") != std::string::npos);
    CHECK(central("users add carl --password-stdin", "short\n").output.find("at least 12 characters") != std::string::npos);
    CHECK(central("users add Carl --password-stdin", "long enough password\n").code == 2);

    // Without --password-stdin and no terminal: a generated password, printed once.
    added = central("users add dorte");
    REQUIRE(added.code == 0);
    std::string generated;
    for (std::istringstream lines(added.output); std::getline(lines, generated);) {
        if (generated.rfind("    ", 0) == 0) break;
    }
    generated.erase(0, generated.find_first_not_of(' '));
    CHECK(generated.size() == 23);
    CHECK(board.login("dorte", generated).status == 303);
    CHECK(board.login("bo", "a password for bo").status == 303);

    // Locked (until a time the real clock of the binary has not reached).
    const auto lockUntil = server::unixSeconds(std::chrono::system_clock::now() + std::chrono::minutes(15));
    REQUIRE(board.central.store->recordLoginFailure("bo", 1, lockUntil).ok());
    CHECK(board.login("bo", "a password for bo").status == 403);
    auto listed = central("users list");
    CHECK(listed.code == 0);
    const auto bo = wordsOfLineWith(listed.output, "bo ");
    REQUIRE(bo.size() >= 4);
    CHECK(bo[3] != "-");  // locked until ...
    CHECK(central("users unlock bo").code == 0);
    CHECK(board.login("bo", "a password for bo").status == 303);
    CHECK(wordsOfLineWith(central("users list").output, "bo ")[3] == "-");

    // Removing a user ends its sessions.
    const auto session = setCookie(board.login("dorte", generated), kSessionCookie);
    CHECK(board.get("/", "", session).status == 200);
    CHECK(central("users remove dorte").code == 0);
    CHECK(board.get("/", "", session).status == 303);
    CHECK(central("users remove dorte").output.find("there is no user 'dorte'") != std::string::npos);
    CHECK(central("users unlock nobody").code == 1);
    CHECK(central("users frobnicate").code == 2);
}

TEST_CASE("accounts: passwords are Argon2id hashes; names and new passwords are checked") {
    auto hash = server::hashPassword("a long enough password", server::PasswordCost::Minimum);
    REQUIRE(hash.ok());
    CHECK(hash->rfind("$argon2id$", 0) == 0);
    CHECK(hash->find("a long enough password") == std::string::npos);
    CHECK(server::verifyPassword(*hash, "a long enough password"));
    CHECK_FALSE(server::verifyPassword(*hash, "a long enough passwore"));
    CHECK_FALSE(server::verifyPassword("not a hash", "a long enough password"));

    const std::string generated = server::generatePassword();
    CHECK(generated.size() == 23);
    CHECK(server::checkNewPassword(generated).ok());
    CHECK(server::generatePassword() != generated);
    CHECK(server::checkNewPassword("short").message().find("at least 12 characters") != std::string::npos);
    CHECK(server::checkNewPassword("tab\there is not allowed").message().find("control character") != std::string::npos);
    CHECK(server::checkNewPassword(std::string(1025, 'x')).message().find("longer than 1024") != std::string::npos);
    CHECK(server::isValidUserName("anna.berg@kommune.dk"));
    CHECK_FALSE(server::isValidUserName("Anna"));
    CHECK_FALSE(server::isValidUserName("-anna"));
    CHECK_FALSE(server::isValidUserName(""));
}

TEST_CASE("login: the right password gives a session cookie that is Secure, HttpOnly, SameSite=Strict and __Host-") {
    Board board;
    const auto response = board.login("anna", kPassword);
    CHECK(response.status == 303);
    CHECK(response.header("Location") == "/");
    const std::string line = setCookieLine(response, kSessionCookie);
    CHECK(line.find("; Path=/") != std::string::npos);
    CHECK(line.find("; Secure") != std::string::npos);
    CHECK(line.find("; HttpOnly") != std::string::npos);
    CHECK(line.find("; SameSite=Strict") != std::string::npos);
    CHECK(line.find("Domain") == std::string::npos);
    // Only the token's hash is stored.
    const std::string token = setCookie(response, kSessionCookie);
    REQUIRE(token.size() >= 43);
    std::string stored;
    board.central.query("SELECT token_sha256 FROM sessions", [&](sqlite3_stmt* row) { stored = Central::text(row, 0); });
    CHECK(stored == shared::sha256Hex(token));
    // The name is forgiving about case and spaces.
    CHECK(board.login("  Anna ", kPassword).status == 303);
    // It goes back where it was sent from, but never off this site.
    CHECK(board.post("/login", "user=anna&password=correct+horse+battery&next=%2Funit%3Fid%3Dsolhoj").header("Location") == "/unit?id=solhoj");
    CHECK(board.post("/login", "user=anna&password=correct+horse+battery&next=%2F%2Fevil.example%2F").header("Location") == "/");
    CHECK(board.post("/login", "user=anna&password=correct+horse+battery&next=https%3A%2F%2Fevil.example%2F").header("Location") == "/");
}

TEST_CASE("login: a wrong password, an unknown name and a locked account get the same answer, after the same delay") {
    Board board;
    const auto messageOf = [](const WebResponse& response) {
        const auto start = response.body.find("<p class=\"message error\"");
        return response.body.substr(start, response.body.find("</p>", start) - start);
    };
    const auto wrong = board.login("anna", "not the password");
    const auto unknown = board.login("bo", kPassword);
    CHECK(wrong.status == 403);
    CHECK(unknown.status == 403);
    CHECK(messageOf(wrong) == messageOf(unknown));
    CHECK(messageOf(wrong).find("Forkert brugernavn eller adgangskode") != std::string::npos);
    CHECK(setCookie(wrong, kSessionCookie).empty());
    REQUIRE(board.waits.size() == 2);  // both waited out the failure delay (no real sleep in the test)
    CHECK(board.waits[0] > std::chrono::milliseconds(0));
    CHECK(board.waits[1] > std::chrono::milliseconds(0));
    CHECK(wrong.body.find("not the password") == std::string::npos);
}

TEST_CASE("lockout: five wrong passwords lock the account for 15 minutes, across a restart, until unlocked") {
    Board board;
    for (int i = 0; i < 5; ++i) CHECK(board.login("anna", "wrong " + std::to_string(i)).status == 403);
    auto account = board.central.store->findUser("anna");
    REQUIRE(account.ok());
    REQUIRE(account->has_value());
    CHECK((*account)->lockedUntil == server::unixSeconds(board.central.fakeClock.now()) + 15 * 60);

    // Locked: the right password is refused too, with the same answer; a new process still knows.
    CHECK(board.login("anna", kPassword).status == 403);
    board.make(fastOptions());
    CHECK(board.login("anna", kPassword).status == 403);

    SUBCASE("the lock ends by itself") {
        board.central.fakeClock.advance(std::chrono::minutes(15));
        CHECK(board.login("anna", kPassword).status == 303);
        account = board.central.store->findUser("anna");
        CHECK((*account)->failedLogins == 0);
        CHECK((*account)->lockedUntil == 0);
    }
    SUBCASE("users unlock ends it at once") {
        REQUIRE(board.central.store->clearLoginFailures("anna").ok());
        CHECK(board.login("anna", kPassword).status == 303);
    }
    SUBCASE("a success in between starts the count again") {
        REQUIRE(board.central.store->clearLoginFailures("anna").ok());
        for (int i = 0; i < 4; ++i) CHECK(board.login("anna", "wrong").status == 403);
        CHECK(board.login("anna", kPassword).status == 303);
        for (int i = 0; i < 4; ++i) CHECK(board.login("anna", "wrong").status == 403);
        CHECK(board.login("anna", kPassword).status == 303);
    }
}

TEST_CASE("login: one address is throttled after 10 attempts a minute, in memory only") {
    server::DashboardOptions options = fastOptions();
    options.accounts.loginAttemptsPerMinute = 10;
    Board board(options);
    for (int i = 0; i < 10; ++i) CHECK(board.login("bo", "whatever password").status == 403);
    const auto throttled = board.login("anna", kPassword);
    CHECK(throttled.status == 429);
    CHECK(!throttled.header("Retry-After").empty());
    CHECK(throttled.body.find("For mange forsøg") != std::string::npos);
    // Another address is not affected.
    auto other = Board::request("POST", "/login");
    other.form = server::parseUrlEncoded("user=anna&password=correct+horse+battery");
    other.clientAddress = "192.0.2.8";
    CHECK(board.dashboard->handle(other).status == 303);
    board.central.fakeClock.advance(std::chrono::minutes(1));
    CHECK(board.login("anna", kPassword).status == 303);
}

TEST_CASE("sessions: idle for 30 minutes or 12 hours old, and the login page asks again") {
    Board board;
    std::string session = board.signIn();
    CHECK(board.get("/", "", session).status == 200);

    SUBCASE("idle expiry") {
        board.central.fakeClock.advance(std::chrono::minutes(29));
        CHECK(board.get("/", "", session).status == 200);  // used: the idle clock starts again
        board.central.fakeClock.advance(std::chrono::minutes(29));
        CHECK(board.get("/surveys", "", session).status == 200);
        board.central.fakeClock.advance(std::chrono::minutes(30));
        const auto expired = board.get("/surveys", "", session);
        CHECK(expired.status == 303);
        CHECK(expired.header("Location") == "/login?next=%2Fsurveys&expired=1");
        CHECK(board.get("/login", "expired=1").body.find("sessionen udløb") != std::string::npos);
        CHECK(board.central.count("sessions") == 0);
    }
    SUBCASE("absolute expiry") {
        for (int i = 0; i < 12 * 3; ++i) {
            board.central.fakeClock.advance(std::chrono::minutes(20));
            if (i + 1 < 12 * 3) CHECK(board.get("/", "", session).status == 200);
        }
        CHECK(board.get("/", "", session).status == 303);
    }
    SUBCASE("an unknown or forged token is no session") {
        CHECK(board.get("/", "", "forged").status == 303);
        CHECK(board.get("/", "", std::string(300, 'a')).status == 303);
    }
}

TEST_CASE("logout: a POST with the session's token ends the session; without it, or from another site, nothing happens") {
    Board board;
    const std::string session = board.signIn();
    const std::string csrf = csrfOf(board.get("/", "", session).body);
    REQUIRE(csrf.size() >= 43);
    CHECK(csrf != session);

    CHECK(board.get("/logout", "", session).status == 405);
    const auto noToken = board.post("/logout", "", session);
    CHECK(noToken.status == 403);
    CHECK(noToken.body.find("Formularen blev afvist") != std::string::npos);
    CHECK(board.post("/logout", "csrf=" + csrf + "x", session).status == 403);
    CHECK(board.post("/logout", "csrf=" + server::Accounts::csrfTokenFor("the token of another session, not this one"), session).status == 403);
    // From another site: Sec-Fetch-Site, or an Origin that is not this one.
    CHECK(board.post("/logout", "csrf=" + csrf, session, "cross-site").status == 403);
    auto foreign = Board::request("POST", "/logout");
    foreign.form = server::parseUrlEncoded("csrf=" + csrf);
    foreign.cookies = std::string(kSessionCookie) + "=" + session;
    foreign.origin = "https://evil.example";
    CHECK(board.dashboard->handle(foreign).status == 403);
    foreign.origin = "null";
    CHECK(board.dashboard->handle(foreign).status == 403);
    CHECK(board.get("/", "", session).status == 200);  // still signed in

    const auto out = board.post("/logout", "csrf=" + csrf, session);
    CHECK(out.status == 303);
    CHECK(out.header("Location") == "/login?bye=1");
    CHECK(setCookieLine(out, kSessionCookie).find("Max-Age=0") != std::string::npos);
    CHECK(board.get("/", "", session).status == 303);
    CHECK(board.central.count("sessions") == 0);
}

TEST_CASE("login from another site is refused (login CSRF)") {
    Board board;
    auto request = Board::request("POST", "/login");
    request.form = server::parseUrlEncoded("user=anna&password=correct+horse+battery");
    request.fetchSite = "cross-site";
    CHECK(board.dashboard->handle(request).status == 403);
    request.fetchSite.clear();
    request.origin = "https://evil.example";
    CHECK(board.dashboard->handle(request).status == 403);
    request.origin = "https://127.0.0.1:8443";
    CHECK(board.dashboard->handle(request).status == 303);
}

TEST_CASE("every page and download is behind the login; pages send to /login, downloads get 401") {
    Board board;
    for (const char* page : {"/", "/unit", "/compare", "/surveys", "/dead-letters"}) {
        const auto response = board.get(page, "id=solhoj");
        CHECK_MESSAGE(response.status == 303, page);
        CHECK(response.header("Location").rfind("/login?next=%2F", 0) == 0);
        CHECK(response.body.find("Plejecenter") == std::string::npos);
    }
    for (const char* download : {"/download/responses", "/download/report"}) {
        CHECK_MESSAGE(board.get(download, "format=csv").status == 401, download);
    }
    // The login page, the stylesheet and the icon are open.
    CHECK(board.get("/login").status == 200);
    CHECK(board.get("/static/dashboard.css").status == 200);
    CHECK(board.get("/static/icon.svg").status == 200);
    // Unknown paths are 404 pages; the kiosk API is not the dashboard's.
    CHECK(board.get("/nope").status == 404);
    CHECK_FALSE(server::Dashboard::handles("/api/v1/survey"));
    CHECK_FALSE(server::Dashboard::handles("/healthz"));
    CHECK(server::Dashboard::handles("/"));
    CHECK(server::Dashboard::logPath("/unit") == "/unit");
    CHECK(server::Dashboard::logPath("/unit/secret-token") == "other");
}

TEST_CASE("pages: every one answers, in Danish and English, with the security headers and no script") {
    Board board;
    board.addUnit("nord", "Hjemmepleje Nord", "Hjemmeplejen");
    board.respond("solhoj", 6);
    board.respond("vest", 2);
    board.respond("nord", 7);
    const std::string session = board.signIn();
    const std::vector<std::pair<std::string, std::string>> pages = {
        {"/", ""}, {"/unit", "id=solhoj"}, {"/compare", "unit=solhoj&unit=nord"}, {"/surveys", ""}, {"/dead-letters", ""}};
    for (const std::string language : {"da", "en"}) {
        for (const auto& [path, query] : pages) {
            auto request = Board::request("GET", path, query);
            request.cookies = std::string(kSessionCookie) + "=" + session + "; __Host-svarboks_lang=" + language;
            const auto response = board.dashboard->handle(request);
            INFO(path << " " << language);
            CHECK(response.status == 200);
            CHECK(response.contentType == "text/html; charset=utf-8");
            CHECK(response.header("Content-Security-Policy") ==
                  "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
            CHECK(response.header("X-Content-Type-Options") == "nosniff");
            CHECK(response.header("Referrer-Policy") == "no-referrer");
            CHECK(response.header("Cache-Control") == "no-store");
            CHECK(response.body.find("<html lang=\"" + language + "\"") != std::string::npos);
            CHECK(response.body.find("<script") == std::string::npos);
            CHECK(response.body.find(" style=") == std::string::npos);  // the CSP allows no inline style
            CHECK(response.body.find(" src=") == std::string::npos);  // nothing loaded from anywhere
            CHECK(response.body.find("name=\"csrf\"") != std::string::npos);
        }
    }
    // The language switch remembers the choice and returns to the page.
    const auto switched = board.get("/language", "to=en&return=%2Funit%3Fid%3Dsolhoj", session);
    CHECK(switched.status == 303);
    CHECK(switched.header("Location") == "/unit?id=solhoj");
    CHECK(setCookieLine(switched, "__Host-svarboks_lang").rfind("__Host-svarboks_lang=en; Path=/; Secure", 0) == 0);
    CHECK(board.get("/language", "to=en&return=https%3A%2F%2Fevil.example", session).header("Location") == "/");

    // Filters: a bad week is a clear 400, an unknown unit a 404.
    const auto badWeek = board.get("/", "from=2026-W60", session);
    CHECK(badWeek.status == 400);
    CHECK(badWeek.body.find("Fra uge") != std::string::npos);
    CHECK(board.get("/", "from=2026-W48&to=2026-W47", session).status == 400);
    CHECK(board.get("/", "survey=nope", session).status == 400);
    CHECK(board.get("/unit", "id=nope", session).status == 404);
    CHECK(board.get("/", "from=2026-w47&to=2026-W47", session).status == 200);
}

TEST_CASE("real figures: the overview and the report download hide a unit with fewer than 5 and the one that would give it away") {
    Board board;
    board.respond("solhoj", 6);
    board.respond("vest", 2);
    const std::string session = board.signIn();
    const auto overview = board.get("/", "", session);
    REQUIRE(overview.status == 200);
    // vest (2) is "færre end 5"; solhoj would give it away from the municipality's 8, so it is hidden too.
    CHECK(overview.body.find("<td class=\"num unit-total hidden-cell\">færre end 5</td>") != std::string::npos);
    CHECK(overview.body.find("<td class=\"num unit-total hidden-cell\">skjult</td>") != std::string::npos);
    CHECK(overview.body.find("<span class=\"stat-value\">8</span>") != std::string::npos);

    const auto csv = board.get("/download/report", "format=csv", session);
    REQUIRE(csv.status == 200);
    CHECK(csv.contentType == "text/csv; charset=utf-8");
    CHECK(csv.header("Content-Disposition").find("attachment; filename=") == 0);
    CHECK(csv.body.find("unit,,vest,Hjemmepleje Vest,færre end 5,") != std::string::npos);
    CHECK(csv.body.find("unit,,solhoj,Plejecenter Solhøj,skjult,") != std::string::npos);
    const auto danish = board.get("/download/report", "format=csv-da", session);
    CHECK(danish.body.rfind("\xEF\xBB\xBF", 0) == 0);
    CHECK(danish.body.find("færre end 5") != std::string::npos);
    CHECK(board.get("/download/report", "format=xlsx", session).status == 400);
}

TEST_CASE("a hidden figure's number never reaches a page, a chart or a download") {
    server::DashboardOptions options = fastOptions();
    options.reports = [](const server::ReportRequest&) -> shared::Result<server::Report> { return tellTaleReport(); };
    Board board(options);
    board.addUnit("shown", "Synlig enhed", "hjemmeplejen");
    board.addUnit("few", "Lille enhed", "hjemmeplejen");
    board.addUnit("second", "Anden enhed", "hjemmeplejen");
    const std::string session = board.signIn();
    for (const std::string language : {"da", "en"}) {
        for (const auto& [path, query] : std::vector<std::pair<std::string, std::string>>{
                 {"/", ""}, {"/unit", "id=few"}, {"/unit", "id=second"}, {"/unit", "id=shown"}, {"/compare", "unit=few&unit=second&unit=shown"},
                 {"/download/report", "format=csv"}, {"/download/report", "format=csv-da"}}) {
            auto request = Board::request("GET", path, query);
            request.cookies = std::string(kSessionCookie) + "=" + session + "; __Host-svarboks_lang=" + language;
            const auto response = board.dashboard->handle(request);
            REQUIRE(response.status == 200);
            std::string body = response.body;
            if (const std::string csrf = csrfOf(body); !csrf.empty()) body.replace(body.find(csrf), csrf.size(), "");
            checkNoTell(body, path + "?" + query + " (" + language + ")");
            // A standard CSV speaks the page's language; the one for Danish Excel Danish.
            const bool english = language == "en" && query != "format=csv-da";
            CHECK(body.find(english ? "fewer than 5" : "færre end 5") != std::string::npos);
        }
    }
    // The unit page of a hidden unit draws hatched slots, no bars and no distributions.
    const auto few = board.get("/unit", "id=few", session);
    CHECK(few.body.find("hidden-slot") != std::string::npos);
    CHECK(few.body.find("class=\"segment\"") == std::string::npos);
    CHECK(few.body.find("class=\"data distribution\"") == std::string::npos);
    CHECK(few.body.find("<strong class=\"respondents hidden-word\">færre end 5</strong>") != std::string::npos);
    const auto second = board.get("/unit", "id=second", session);
    CHECK(second.body.find("<strong class=\"respondents hidden-word\">skjult</strong>") != std::string::npos);
    // The shown unit's figures are there, its hidden week is not.
    const auto overview = board.get("/", "", session);
    CHECK(overview.body.find("<td class=\"num unit-total\">33</td><td class=\"num\">30</td><td class=\"num hidden-cell\">skjult</td>") !=
          std::string::npos);
}

TEST_CASE("report CSV: one row per report row, hidden figures as words, stable column names") {
    const server::Report report = tellTaleReport();
    std::string out;
    server::CsvWriter csv(server::CsvDialect::Standard, [&](std::string_view chunk) {
        out.append(chunk);
        return true;
    });
    REQUIRE(server::writeReportCsv(report, csv, "en"));
    std::vector<std::string> lines;
    for (std::size_t start = 0; start < out.size();) {
        const auto end = out.find("\r\n", start);
        lines.push_back(out.substr(start, end - start));
        start = end + 2;
    }
    REQUIRE(lines.size() == 6);
    CHECK(lines[0] ==
          "kind,group,unit,name,respondents,area:a:respondents,area:a:mean,area:a:level:low,area:a:level:high,area:b:respondents,"
          "area:b:mean,area:b:level:low,area:b:level:high,week:2026-W47,week:2026-W48,question:q1:respondents,question:q1:choice:1,"
          "question:q1:choice:2");
    CHECK(lines[1] == "municipality,,,,40,40,0.500,20,20,40,0.500,20,20,,,40,20,20");
    CHECK(lines[3] == "unit,hjemmeplejen,shown,Synlig enhed,33,33,0.500,16,17,33,0.500,16,17,30,hidden,33,11,22");
    CHECK(lines[4] ==
          "unit,hjemmeplejen,few,Lille enhed,fewer than 5,fewer than 5,fewer than 5,fewer than 5,fewer than 5,fewer than 5,fewer than 5,"
          "fewer than 5,fewer than 5,fewer than 5,fewer than 5,fewer than 5,fewer than 5,fewer than 5");
    checkNoTell(out, "report csv");
}

TEST_CASE("svg: charts carry their figures as text, hidden ones as a labelled hatched slot, and escape names") {
    server::svg::BarChart chart;
    chart.idPrefix = "t";
    chart.title = "Profil <&>";
    chart.series = {"Solhøj", "Vest"};
    chart.ticks = {"0 %", "100 %"};
    chart.categories = {{"Sikkerhed", {{0.42, "42 %"}, {std::nullopt, "færre end 5"}}}};
    const std::string svg = server::svg::barChart(chart);
    CHECK(svg.find("role=\"img\"") != std::string::npos);
    CHECK(svg.find("<title id=\"t-title\">Profil &lt;&amp;&gt;</title>") != std::string::npos);
    CHECK(svg.find("<desc id=\"t-desc\">Sikkerhed: Solhøj 42 %, Vest færre end 5.</desc>") != std::string::npos);
    CHECK(svg.find("url(#t-hatch)") != std::string::npos);
    CHECK(svg.find("style=") == std::string::npos);
    CHECK(svg.find("<script") == std::string::npos);
}

TEST_CASE("html helpers: escaping, percent-encoding and form parsing") {
    CHECK(server::escapeHtml("<a href=\"x\">'&'</a>") == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    CHECK(server::urlEncode("/unit?id=solhøj&x") == "%2Funit%3Fid%3Dsolh%C3%B8j%26x");
    const auto form = server::parseUrlEncoded("user=anna+b&password=a%26b%3D&empty&bad=%ZZ&broken=%C3");
    CHECK(form.find("user")->second == "anna b");
    CHECK(form.find("password")->second == "a&b=");
    CHECK(form.find("empty")->second.empty());
    CHECK(form.find("bad")->second == "%ZZ");
    CHECK(form.count("broken") == 0);  // not UTF-8: dropped, never echoed
}

TEST_CASE("over HTTPS: the dashboard beside the kiosk API, with a log free of tokens, ids and query values") {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ignore, nullptr);
    Board board;
    board.respond("solhoj", 6);
    server::ServeOptions serve;
    serve.host = "127.0.0.1";
    serve.port = 0;
    serve.certFile = board.central.data.tlsCert();
    serve.keyFile = board.central.data.tlsKey();
    serve.threads = 4;
    std::mutex logMutex;
    std::vector<std::string> log;
    auto created = server::HttpServer::create(*board.central.api, serve, [&](const std::string& line) {
        const std::lock_guard lock(logMutex);
        log.push_back(line);
    }, board.dashboard.get());
    REQUIRE(created.ok());
    auto bound = (*created)->bind();
    REQUIRE(bound.ok());
    std::thread runner([&] { (void)(*created)->run(); });

    httplib::SSLClient client("127.0.0.1", *bound);
    client.set_ca_cert_path(board.central.data.tlsCert().string());
    client.enable_server_certificate_verification(true);
    auto page = client.Get("/");
    REQUIRE(page);
    CHECK(page->status == 303);
    auto login = client.Post("/login", {{"Sec-Fetch-Site", "same-origin"}}, "user=anna&password=correct+horse+battery&next=%2Funit%3Fid%3Dsolhoj",
                             "application/x-www-form-urlencoded");
    REQUIRE(login);
    CHECK(login->status == 303);
    const std::string cookie = login->get_header_value("Set-Cookie");
    const std::string token = cookie.substr(cookie.find('=') + 1, cookie.find(';') - cookie.find('=') - 1);
    auto unit = client.Get("/unit?id=solhoj&from=2026-W40", {{"Cookie", std::string(kSessionCookie) + "=" + token}});
    REQUIRE(unit);
    CHECK(unit->status == 200);
    CHECK(unit->get_header_value("Content-Security-Policy").find("default-src 'none'") == 0);
    CHECK(unit->body.find("Plejecenter Solhøj") != std::string::npos);
    auto download = client.Get("/download/responses?format=jsonl", {{"Cookie", std::string(kSessionCookie) + "=" + token}});
    REQUIRE(download);
    CHECK(download->status == 200);
    CHECK(std::count(download->body.begin(), download->body.end(), '\n') == 6);
    auto css = client.Get("/static/dashboard.css");
    REQUIRE(css);
    CHECK(css->get_header_value("Content-Type") == "text/css; charset=utf-8");
    auto big = client.Post("/login", std::string(64 * 1024, 'a'), "application/x-www-form-urlencoded");
    REQUIRE(big);
    CHECK(big->status == 413);
    // The kiosk API is as it was.
    auto api = client.Get("/api/v1/nope");
    REQUIRE(api);
    CHECK(api->status == 404);
    CHECK(api->get_header_value("Content-Type") == "application/json");
    CHECK(client.Get("/healthz")->body == "ok");

    (*created)->stop();
    runner.join();
    const std::lock_guard lock(logMutex);
    std::string all;
    for (const auto& line : log) all += line + "\n";
    CHECK(all.find("\"path\":\"/unit\"") != std::string::npos);
    CHECK(all.find("\"path\":\"/login\"") != std::string::npos);
    CHECK(all.find(token) == std::string::npos);
    CHECK(all.find("solhoj") == std::string::npos);
    CHECK(all.find("anna") == std::string::npos);
    CHECK(all.find("horse") == std::string::npos);
    CHECK(all.find("2026-W40") == std::string::npos);
    CHECK(all.find("127.0.0.1") == std::string::npos);
}

}  // TEST_SUITE

}  // namespace svarboks::test
