// The dashboard as a function of plain requests (dashboard.hpp): accounts, login and lockout, sessions
// and their expiry, CSRF, every page behind the login, the security headers, and that a hidden figure's
// number never reaches a page or a download. The last cases run it behind the real HTTPS server.
#include "svarboks/server/accounts.hpp"
#include "svarboks/server/codebook.hpp"
#include "svarboks/server/dashboard.hpp"
#include "svarboks/server/html.hpp"
#include "svarboks/server/http_server.hpp"
#include "svarboks/server/report_csv.hpp"
#include "svarboks/server/rounds.hpp"
#include "svarboks/server/svg.hpp"
#include "svarboks/server/tally.hpp"
#include "svarboks/shared/hashing.hpp"
#include "test_dashboard_fixture.hpp"

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

std::string setCookieLine(const HttpResponse& response, const std::string& name) {
    for (const auto& [key, value] : response.headers) {
        if (key == "Set-Cookie" && value.rfind(name + "=", 0) == 0) return value;
    }
    return "";
}

// What a client receives: the body, or for a streamed download everything the stream writes (which is
// also when a download is audited).
std::string bodyOf(const HttpResponse& response) {
    if (!response.stream) return response.body;
    std::string body;
    CHECK(response.stream([&](std::string_view chunk) {
        body.append(chunk);
        return true;
    }));
    return body;
}

// The part of a page from the element with this id to the end of its section ("" when there is none).
std::string sectionOf(const std::string& html, const std::string& id) {
    const auto start = html.find("<section id=\"" + id + "\"");
    if (start == std::string::npos) return "";
    return html.substr(start, html.find("</section>", start) - start);
}

// The lines of a text (CSV with CRLF or JSON lines with LF), without empty ones.
std::vector<std::string> linesOf(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (!line.empty()) lines.push_back(line);
    }
    return lines;
}



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

TEST_CASE("users: add (from standard input or generated), list, unlock, disable, enable, reset and remove, with the real binary") {
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
    CHECK(central("users add bo --password-stdin", "another password for bo\n").output.find("'bo' is taken") != std::string::npos);
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
    // USER ROLE CREATED LAST-SIGN-IN STATE UNITS-AND-GROUPS
    const auto bo = wordsOfLineWith(listed.output, "bo ");
    REQUIRE(bo.size() >= 5);
    CHECK(bo[1] == "administrator");  // the role when none is given
    const auto lineOf = [](const std::string& list, const std::string& start) {
        const auto at = list.find("\n" + start);
        return at == std::string::npos ? std::string() : list.substr(at + 1, list.find('\n', at + 1) - at - 1);
    };
    CHECK(lineOf(listed.output, "bo ").find("active, locked until") != std::string::npos);
    CHECK(lineOf(listed.output, "dorte ").find("never") == std::string::npos);  // signed in above
    CHECK(central("users unlock bo").code == 0);
    CHECK(board.login("bo", "a password for bo").status == 303);
    CHECK(lineOf(central("users list").output, "bo ").find("locked") == std::string::npos);

    // Disabled: cannot sign in, and its sessions end; enabled again it can. Reset: a one-time password.
    const auto boSession = setCookie(board.login("bo", "a password for bo"), kSessionCookie);
    CHECK(central("users disable bo").code == 0);
    CHECK(board.get("/", "", boSession).status == 303);
    CHECK(board.login("bo", "a password for bo").status == 403);
    CHECK(lineOf(central("users list").output, "bo ").find("disabled") != std::string::npos);
    CHECK(central("users enable bo").code == 0);
    CHECK(board.login("bo", "a password for bo").status == 303);
    const auto reset = central("users reset bo");
    REQUIRE(reset.code == 0);
    std::string oneTime;
    for (std::istringstream lines(reset.output); std::getline(lines, oneTime);) {
        if (oneTime.rfind("    ", 0) == 0) break;
    }
    oneTime.erase(0, oneTime.find_first_not_of(' '));
    CHECK(oneTime.size() == 23);
    CHECK(board.login("bo", "a password for bo").status == 403);
    const auto boOneTime = setCookie(board.login("bo", oneTime), kSessionCookie);
    CHECK(board.get("/", "", boOneTime).header("Location") == "/account/password");
    CHECK(lineOf(central("users list").output, "bo ").find("one-time password") != std::string::npos);
    CHECK(central("users reset nobody").code == 1);

    // Roles: a unit leader needs the units or groups they lead, the other roles take none.
    CHECK(central("users add lea --role unit-leader --password-stdin", "a password for lea\n").output.find("needs the units or groups") != std::string::npos);
    CHECK(central("users add lea --role analyst --unit solhoj --password-stdin", "a password for lea\n").code == 1);
    CHECK(central("users add lea --role boss --password-stdin", "a password for lea\n").code == 2);
    CHECK(central("users add lea --role unit-leader --group Hjemmeplejen --password-stdin", "a password for lea\n").code == 1);  // no such group yet
    CHECK(central("users list").output.find("lea ") == std::string::npos);
    REQUIRE(board.central.store->setUnitGroup("vest", "Hjemmeplejen").ok());
    added = central("users add lea --role unit-leader --unit solhoj --group Hjemmeplejen --password-stdin", "a password for lea\n");
    CHECK(added.code == 0);
    CHECK(added.output.find("unit-leader") != std::string::npos);
    const auto lea = wordsOfLineWith(central("users list").output, "lea ");
    REQUIRE(lea.size() >= 5);
    CHECK(lea[1] == "unit-leader");
    CHECK(lineOf(central("users list").output, "lea ").find("units solhoj; groups Hjemmeplejen") != std::string::npos);
    auto stored = board.central.store->findUser("lea");
    REQUIRE(stored.ok());
    REQUIRE(stored->has_value());
    CHECK((*stored)->role == "unit-leader");
    CHECK((*stored)->scope == std::vector<std::string>{"unit:solhoj", "group:Hjemmeplejen"});
    // A changed role applies from the next page, without signing in again.
    const auto leaSession = setCookie(board.login("lea", "a password for lea"), kSessionCookie);
    REQUIRE(!leaSession.empty());
    CHECK(board.get("/audit", "", leaSession).status == 403);
    CHECK(central("users role lea --role administrator").code == 0);
    CHECK(wordsOfLineWith(central("users list").output, "lea ")[1] == "administrator");
    CHECK(board.get("/audit", "", leaSession).status == 200);
    CHECK(central("users role nobody --role analyst").code == 1);

    // Removing a user ends its sessions.
    const auto session = setCookie(board.login("dorte", generated), kSessionCookie);
    CHECK(board.get("/", "", session).status == 200);
    CHECK(central("users remove dorte").code == 0);
    CHECK(board.get("/", "", session).status == 303);
    CHECK(central("users remove dorte").output.find("there is no account 'dorte'") != std::string::npos);
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
    const auto messageOf = [](const HttpResponse& response) {
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

TEST_CASE("login: one address is throttled after 10 attempts a minute, counted together by every replica of the store") {
    server::DashboardOptions options = fastOptions();
    options.accounts.loginAttemptsPerMinute = 10;
    Board board(options);
    // Half of the attempts reach another replica (its own connection to the store, with the same data folder's keys).
    auto otherStore = board.central.openAnother();
    REQUIRE(otherStore.ok());
    server::DashboardOptions shared = options;
    shared.accounts.limitSecret = server::limitSecretFrom(board.central.keys);
    board.make(shared);
    server::Dashboard replica(**otherStore, shared, board.central.fakeClock.clock(), [](std::chrono::milliseconds) {});
    for (int i = 0; i < 10; ++i) {
        if (i % 2 == 0) CHECK(board.login("bo", "whatever password").status == 403);
        else CHECK(replica.handle(Board::formPost("/login", "user=bo&password=whatever+password")).status == 403);
    }
    CHECK(replica.handle(Board::formPost("/login", "user=anna&password=correct+horse+battery")).status == 429);
    const auto throttled = board.login("anna", kPassword);
    CHECK(throttled.status == 429);
    CHECK(!throttled.header("Retry-After").empty());
    CHECK(throttled.body.find("For mange forsøg") != std::string::npos);
    // Another address is not affected.
    auto other = Board::formPost("/login", "user=anna&password=correct+horse+battery");
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
    auto foreign = Board::formPost("/logout", "csrf=" + csrf);
    foreign.setHeader("Cookie", std::string(kSessionCookie) + "=" + session);
    foreign.setHeader("Origin", "https://evil.example");
    CHECK(board.dashboard->handle(foreign).status == 403);
    foreign.setHeader("Origin", "null");
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
    auto request = Board::formPost("/login", "user=anna&password=correct+horse+battery");
    request.setHeader("Sec-Fetch-Site", "cross-site");
    CHECK(board.dashboard->handle(request).status == 403);
    request.setHeader("Sec-Fetch-Site", "");
    request.setHeader("Origin", "https://evil.example");
    CHECK(board.dashboard->handle(request).status == 403);
    request.setHeader("Origin", "https://127.0.0.1:8443");
    CHECK(board.dashboard->handle(request).status == 303);
}

TEST_CASE("every page and download is behind the login; pages send to /login, downloads get 401") {
    Board board;
    for (const char* page : {"/", "/unit", "/compare", "/surveys", "/dead-letters", "/audit"}) {
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
    board.release();
    const std::string session = board.signIn();
    const std::vector<std::pair<std::string, std::string>> pages = {
        {"/", ""}, {"/unit", "id=solhoj"}, {"/compare", "unit=solhoj&unit=nord"}, {"/surveys", ""}, {"/dead-letters", ""}, {"/audit", ""}};
    for (const std::string language : {"da", "en"}) {
        for (const auto& [path, query] : pages) {
            auto request = Board::request("GET", path, query);
            request.setHeader("Cookie", std::string(kSessionCookie) + "=" + session + "; __Host-svarboks_lang=" + language);
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

    // Filters: an unknown survey or round is a clear 400, an unknown unit a 404.
    CHECK(board.get("/", "survey=nope", session).status == 400);
    const auto badRound = board.get("/", "round=2026-h1", session);
    CHECK(badRound.status == 400);
    CHECK(badRound.body.find("Runde: &#39;2026-h1&#39; is not a released round") != std::string::npos);
    CHECK(board.get("/unit", "id=nope", session).status == 404);
    CHECK(board.get("/", "round=2026-h2", session).status == 200);
    CHECK(board.get("/", "survey=pulse%40" + board.central.pulse.version + "&round=2026-h2", session).status == 200);
}

TEST_CASE("filters: a round chosen from the released ones; week ranges and k in a URL are refused, never applied") {
    Board board;
    board.respond("solhoj", 6, "2026-W45");
    board.respond("vest", 5, "2026-W44");
    board.release("2026-a", "2026-W40", "2026-W46");
    board.respond("solhoj", 8, "2026-W47");
    board.respond("vest", 5, "2026-W47");
    board.release("2026-b", "2026-W47", "2026-W52");
    REQUIRE(server::addRound(*board.central.store, {"2027-a", "2027-W01", "2027-W26", ""}).ok());  // planned, not released
    const std::string session = board.signIn();

    // The latest release by default, in a <select> of the released rounds (newest first): no week fields.
    const auto latest = board.get("/", "", session);
    REQUIRE(latest.status == 200);
    const std::string form = latest.body.substr(latest.body.find("<form class=\"filters\""));
    CHECK(form.find("<select id=\"f-round\" name=\"round\"><option value=\"2026-b\" selected>2026-b (uge 2026-W47 til 2026-W52)</option>"
                    "<option value=\"2026-a\">2026-a (uge 2026-W40 til 2026-W46)</option></select>") != std::string::npos);
    CHECK(latest.body.find("2027-a") == std::string::npos);
    CHECK(latest.body.find("id=\"f-from\"") == std::string::npos);
    CHECK(latest.body.find("id=\"f-to\"") == std::string::npos);
    CHECK(latest.body.find("type=\"week\"") == std::string::npos);
    CHECK(latest.body.find("<td class=\"num unit-total\">8</td>") != std::string::npos);
    CHECK(latest.body.find("<span class=\"stat-value\">13</span>") != std::string::npos);

    // The older round shows its own figures, and its links keep it.
    const auto older = board.get("/", "round=2026-a", session);
    REQUIRE(older.status == 200);
    CHECK(older.body.find("<option value=\"2026-a\" selected>") != std::string::npos);
    CHECK(older.body.find("<td class=\"num unit-total\">6</td>") != std::string::npos);
    CHECK(older.body.find("<span class=\"stat-value\">11</span>") != std::string::npos);
    CHECK(older.body.find("href=\"/unit?id=solhoj&amp;survey=pulse%40" + board.central.pulse.version + "&amp;round=2026-a\"") != std::string::npos);
    CHECK(board.get("/unit", "id=solhoj&round=2026-a", session).body.find("<strong class=\"respondents\">6</strong>") != std::string::npos);
    CHECK(board.get("/unit", "id=solhoj&round=2026-b", session).body.find("<strong class=\"respondents\">8</strong>") != std::string::npos);
    const auto olderCsv = board.get("/download/report", "format=csv&round=2026-a", session);
    REQUIRE(olderCsv.status == 200);
    CHECK(olderCsv.header("Content-Disposition").find("-2026-a.csv") != std::string::npos);
    CHECK(olderCsv.body.find("municipality,,,,11,") != std::string::npos);

    // A round that is planned or unknown is not one to choose.
    for (const char* round : {"2027-a", "nope", "2026-W47"}) {
        INFO(round);
        CHECK(board.get("/", std::string("round=") + round, session).status == 400);
        CHECK(board.get("/unit", std::string("id=solhoj&round=") + round, session).status == 400);
        CHECK(board.get("/download/report", std::string("format=csv&round=") + round, session).status == 400);
        CHECK(board.get("/download/responses", std::string("format=csv&round=") + round, session).status == 400);
    }

    // from/to in a URL are refused with a reason, wherever they come, whatever their value: never a narrower table.
    for (const auto& [path, query] : std::vector<std::pair<std::string, std::string>>{
             {"/", "from=2026-W47"}, {"/", "to=2026-W47"}, {"/", "from=2026-W47&to=2026-W47&round=2026-b"}, {"/unit", "id=solhoj&from=2026-W40"},
             {"/compare", "unit=solhoj&unit=vest&to=2026-W52"}, {"/download/report", "format=csv&from=2026-W47&to=2026-W47"}}) {
        const auto refused = board.get(path, query, session);
        INFO(path << "?" << query);
        CHECK(refused.status == 400);
        CHECK(refused.body.find("from/to weeks are not offered; choose a released round") != std::string::npos);
    }
    // A download of responses is of a whole round whatever else the URL says: the same file with or without a week range.
    const std::string whole = bodyOf(board.get("/download/responses", "format=csv&round=2026-b", session));
    CHECK(linesOf(whole).size() == 14);
    const auto ranged = board.get("/download/responses", "format=csv&round=2026-b&from=2026-W47&to=2026-W47", session);
    CHECK((ranged.status == 400 || linesOf(bodyOf(ranged)).size() == linesOf(whole).size()));

    // There is no k to choose: a k in a URL is refused with a reason, pages and downloads alike, whatever its value.
    for (const auto& [path, query] : std::vector<std::pair<std::string, std::string>>{
             {"/", "k=3"}, {"/", "k=2&round=2026-b"}, {"/", "k=50"}, {"/unit", "id=solhoj&k=3"}, {"/compare", "unit=solhoj&unit=vest&k=3"},
             {"/download/report", "format=csv&k=3"}, {"/download/responses", "format=csv&k=3"}, {"/download/responses", "format=jsonl&k=50"}}) {
        const auto refused = board.get(path, query, session);
        INFO(path << "?" << query);
        CHECK(refused.status == 400);
        CHECK(refused.body.find("k: ") != std::string::npos);
        CHECK(!refused.stream);
        CHECK(refused.body.find("færre end") == std::string::npos);
    }
}

TEST_CASE("real figures: the overview and the report download hide a unit with fewer than 5 and the one that would give it away") {
    Board board;
    board.respond("solhoj", 6);
    board.respond("vest", 2);
    board.release();
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

namespace {

// Two groups of two units, every unit with at least 5 respondents (so nothing is hidden and every row
// holds a number a reader could see), one released round, and an account of each role:
// lea leads the unit solhoj, gert the group Hjemmeplejen (nord and vest), ali is an analyst, anna administers.
void rolesStore(Board& board) {
    REQUIRE(board.central.store->setUnitGroup("solhoj", "Plejecentre").ok());
    REQUIRE(board.central.store->setUnitGroup("vest", "Hjemmeplejen").ok());
    board.addUnit("egely", "Plejecenter Egely", "Plejecentre");
    board.addUnit("nord", "Hjemmepleje Nord", "Hjemmeplejen");
    board.respond("solhoj", 8);
    board.respond("egely", 7);
    board.respond("nord", 9);
    board.respond("vest", 6);
    board.release();
    board.addUser("lea", "unit-leader", {"unit:solhoj"});
    board.addUser("gert", "unit-leader", {"group:Hjemmeplejen"});
    board.addUser("ali", "analyst");
}

const std::vector<std::pair<std::string, std::string>> kUnitNames = {
    {"solhoj", "Plejecenter Solhøj"}, {"egely", "Plejecenter Egely"}, {"nord", "Hjemmepleje Nord"}, {"vest", "Hjemmepleje Vest"}};

// The rows of the overview's participation table: (class, first cell's text).
std::vector<std::pair<std::string, std::string>> participationRows(const std::string& html) {
    std::vector<std::pair<std::string, std::string>> rows;
    const std::string table = sectionOf(html, "participation");
    for (auto at = table.find("<tr class=\""); at != std::string::npos; at = table.find("<tr class=\"", at + 1)) {
        const auto classStart = at + 11;
        const std::string cls = table.substr(classStart, table.find('"', classStart) - classStart);
        const auto th = table.find("<th scope=\"row\">", at) + 16;
        std::string name = table.substr(th, table.find("</th>", th) - th);
        if (name.rfind("<a ", 0) == 0) name = name.substr(name.find('>') + 1, name.find("</a>") - name.find('>') - 1);
        rows.emplace_back(cls, name);
    }
    return rows;
}

}  // namespace

TEST_CASE("roles: a unit leader sees only the suppressed figures of their own units, and nothing record-level") {
    Board board;
    rolesStore(board);
    const std::string lea = board.signInAs("lea");
    const std::string version = board.central.pulse.version;

    // Another unit's page, a comparison that includes one, and every administrator's page: 403, and nothing of it shown.
    for (const auto& [path, query] : std::vector<std::pair<std::string, std::string>>{
             {"/unit", "id=egely"},  // same group, not hers
             {"/unit", "id=nord"},
             {"/unit", "id=vest&round=2026-h2"},
             {"/compare", "unit=solhoj&unit=nord"},
             {"/compare", "unit=egely&unit=solhoj"},
             {"/compare", "unit=nord&unit=vest"},
             {"/dead-letters", ""},
             {"/audit", ""}}) {
        INFO(path << "?" << query);
        const auto refused = board.get(path, query, lea);
        CHECK(refused.status == 403);
        CHECK(refused.body.find("Ingen adgang") != std::string::npos);
        for (const auto& [id, name] : kUnitNames) {
            if (id != "solhoj") CHECK(refused.body.find(name) == std::string::npos);
        }
        CHECK(refused.body.find("class=\"num") == std::string::npos);  // no figure at all
    }
    // Every record-level download, in every format, with or without the filters: 403 and not one row.
    for (const std::string format : {"csv", "csv-da", "jsonl"}) {
        for (const std::string& extra : std::vector<std::string>{"", "&round=2026-h2", "&survey=pulse%40" + version + "&round=2026-h2"}) {
            INFO(format << extra);
            const auto refused = board.get("/download/responses", "format=" + format + extra, lea);
            CHECK(refused.status == 403);
            CHECK(!refused.stream);
            CHECK(refused.header("Content-Disposition").empty());
            CHECK(refused.body.find("solhoj") == std::string::npos);
            CHECK(refused.body.find("finding_ease") == std::string::npos);
            // Nor the codebook that goes with it.
            const auto codebook = board.get("/download/codebook", "format=" + format + extra, lea);
            CHECK(codebook.status == 403);
            CHECK(codebook.header("Content-Disposition").empty());
            CHECK(codebook.body.find("finding_ease") == std::string::npos);
        }
    }
    CHECK(board.get("/download/responses", "format=xlsx", lea).status == 403);  // refused before anything else is looked at
    auto audit = board.central.store->audit(50);
    REQUIRE(audit.ok());
    CHECK(std::none_of(audit->begin(), audit->end(), [](const server::AuditEntry& e) { return e.action == "download-responses"; }));

    // Her own unit: its figures and nothing of the rest of the municipality.
    const auto own = board.get("/unit", "id=solhoj", lea);
    REQUIRE(own.status == 200);
    CHECK(own.body.find("<strong class=\"respondents\">8</strong>") != std::string::npos);
    CHECK(own.body.find("Hele kommunen") == std::string::npos);
    CHECK(own.body.find("Plejecenter Egely") == std::string::npos);
    CHECK(own.body.find("<th scope=\"colgroup\" colspan=\"2\">") == own.body.rfind("<th scope=\"colgroup\" colspan=\"2\">"));  // one series: hers

    // The overview: her unit's row only, no group's, no municipality's; no other unit named anywhere; no record-level links.
    const auto overview = board.get("/", "", lea);
    REQUIRE(overview.status == 200);
    CHECK(participationRows(overview.body) == std::vector<std::pair<std::string, std::string>>{{"row-unit", "Plejecenter Solhøj"}});
    for (const auto& [id, name] : kUnitNames) {
        if (id != "solhoj") CHECK_MESSAGE(overview.body.find(name) == std::string::npos, name);
    }
    CHECK(overview.body.find("Hele kommunen") == std::string::npos);
    CHECK(overview.body.find("<span class=\"stat-value\">30</span>") == std::string::npos);  // the municipality's total
    CHECK(overview.body.find("/download/responses") == std::string::npos);
    CHECK(overview.body.find("/download/report?format=csv") != std::string::npos);
    CHECK(overview.body.find("href=\"/audit\"") == std::string::npos);
    CHECK(overview.body.find("href=\"/dead-letters\"") == std::string::npos);
    // The units to compare are hers only.
    const auto compare = board.get("/compare", "", lea);
    REQUIRE(compare.status == 200);
    CHECK(compare.body.find("<option value=\"solhoj\"") != std::string::npos);
    for (const char* other : {"egely", "nord", "vest"}) CHECK(compare.body.find(std::string("<option value=\"") + other + "\"") == std::string::npos);

    // The report CSV (allowed: it is suppressed): her unit's line and the header, nothing else.
    const auto csv = board.get("/download/report", "format=csv", lea);
    REQUIRE(csv.status == 200);
    const auto lines = linesOf(csv.body);
    REQUIRE(lines.size() == 2);
    CHECK(lines[1].rfind("unit,Plejecentre,solhoj,Plejecenter Solhøj,8,", 0) == 0);
    CHECK(csv.body.find("municipality") == std::string::npos);
    CHECK(linesOf(board.get("/download/report", "format=csv-da", lea).body).size() == 2);
}

TEST_CASE("roles: a group's leader sees the group and its units as the round grouped them") {
    Board board;
    rolesStore(board);
    const std::string gert = board.signInAs("gert");
    CHECK(board.get("/unit", "id=nord", gert).status == 200);
    CHECK(board.get("/unit", "id=vest", gert).status == 200);
    CHECK(board.get("/compare", "unit=nord&unit=vest", gert).status == 200);
    CHECK(board.get("/unit", "id=solhoj", gert).status == 403);
    CHECK(board.get("/compare", "unit=nord&unit=solhoj", gert).status == 403);
    CHECK(board.get("/compare", "unit=vest&unit=nord&unit=egely", gert).status == 403);
    for (const char* format : {"csv", "csv-da", "jsonl"}) CHECK(board.get("/download/responses", std::string("format=") + format, gert).status == 403);

    const auto overview = board.get("/", "", gert);
    REQUIRE(overview.status == 200);
    CHECK(participationRows(overview.body) == std::vector<std::pair<std::string, std::string>>{
                                                 {"row-group", "Hjemmeplejen"}, {"row-unit", "Hjemmepleje Nord"}, {"row-unit", "Hjemmepleje Vest"}});
    CHECK(overview.body.find("Plejecenter") == std::string::npos);
    CHECK(overview.body.find("Hele kommunen") == std::string::npos);
    const auto lines = linesOf(board.get("/download/report", "format=csv", gert).body);
    REQUIRE(lines.size() == 4);
    CHECK(lines[1].rfind("group,Hjemmeplejen,,Hjemmeplejen,15,", 0) == 0);
    CHECK(lines[2].rfind("unit,Hjemmeplejen,nord,", 0) == 0);
    CHECK(lines[3].rfind("unit,Hjemmeplejen,vest,", 0) == 0);

    // A unit moved into the group after the release is not his in that round: the round's groups decide.
    REQUIRE(board.central.store->setUnitGroup("egely", "Hjemmeplejen").ok());
    CHECK(board.get("/unit", "id=egely", gert).status == 403);
    CHECK(board.get("/compare", "unit=nord&unit=egely", gert).status == 403);
    CHECK(board.get("/", "", gert).body.find("<tr class=\"row-unit\"><th scope=\"row\"><a href=\"/unit?id=egely") == std::string::npos);
    CHECK(linesOf(board.get("/download/report", "format=csv", gert).body).size() == 4);
}

TEST_CASE("roles: an analyst gets every report and the record-level downloads, but not the audit log or the rejected responses") {
    Board board;
    rolesStore(board);
    const std::string ali = board.signInAs("ali");
    CHECK(board.get("/audit", "", ali).status == 403);
    CHECK(board.get("/dead-letters", "", ali).status == 403);
    for (const char* unit : {"solhoj", "egely", "nord", "vest"}) CHECK(board.get("/unit", std::string("id=") + unit, ali).status == 200);
    CHECK(board.get("/compare", "unit=solhoj&unit=nord", ali).status == 200);
    const auto overview = board.get("/", "", ali);
    CHECK(participationRows(overview.body).size() == 7);  // the municipality, 2 groups, 4 units
    CHECK(overview.body.find("<span class=\"stat-value\">30</span>") != std::string::npos);
    CHECK(overview.body.find("/download/responses?format=csv") != std::string::npos);
    CHECK(overview.body.find("href=\"/audit\"") == std::string::npos);
    for (const char* format : {"csv", "csv-da", "jsonl"}) {
        INFO(format);
        const auto download = board.get("/download/responses", std::string("format=") + format, ali);
        REQUIRE(download.status == 200);
        const auto lines = linesOf(bodyOf(download));
        CHECK(lines.size() == (std::string_view(format) == "jsonl" ? 30u : 31u));
    }
    CHECK(linesOf(board.get("/download/report", "format=csv", ali).body).front().rfind("kind,", 0) == 0);
    // Beside each record-level download its codebook, made from the survey definition of the same version.
    for (const char* format : {"csv", "csv-da", "jsonl"}) {
        INFO(format);
        const std::string query = std::string("format=") + format;
        const auto link = overview.body.find("href=\"/download/codebook?" + query + "&amp;");  // with the page's filters
        CHECK(link != std::string::npos);
        CHECK(overview.body.find("download class=\"codebook\"", link) != std::string::npos);
        const auto codebook = board.get("/download/codebook", query, ali);
        REQUIRE(codebook.status == 200);
        const auto parsed = server::parseExportFormat(format);
        REQUIRE(parsed.ok());
        CHECK(codebook.body == server::codebookFor(board.central.pulse, *parsed));
        CHECK(codebook.body.find("finding_ease") != std::string::npos);
        CHECK(codebook.header("Content-Disposition").find("-2026-h2") != std::string::npos);
        CHECK(codebook.header("Content-Disposition").find(*parsed == server::ExportFormat::Jsonl ? "-codebook.json\"" : "-codebook.csv\"") !=
              std::string::npos);
    }
    CHECK(board.get("/download/codebook", "format=xlsx", ali).status == 400);
}

TEST_CASE("audit: every download is logged with who, what and how many rows, and only administrators read the log") {
    Board board;
    rolesStore(board);
    const std::string ali = board.signInAs("ali");
    const std::string lea = board.signInAs("lea");
    const std::string anna = board.signIn();
    const std::string version = board.central.pulse.version;

    // (Each download's response is dropped once read, as the server does: it holds a download slot until then.)
    std::int64_t csvRows = 0;
    {
        const auto csv = board.get("/download/responses", "format=csv", ali);
        REQUIRE(csv.status == 200);
        // Written when the download has gone out, with the rows it held.
        auto before = board.central.store->audit(50);
        REQUIRE(before.ok());
        CHECK(std::none_of(before->begin(), before->end(), [](const server::AuditEntry& e) { return e.action == "download-responses"; }));
        csvRows = static_cast<std::int64_t>(linesOf(bodyOf(csv)).size()) - 1;
        CHECK(csvRows == 30);
    }
    const auto jsonlRows =
        static_cast<std::int64_t>(linesOf(bodyOf(board.get("/download/responses", "format=jsonl&round=2026-h2&survey=pulse%40" + version, ali))).size());
    CHECK(jsonlRows == 30);
    CHECK(board.get("/download/report", "format=csv-da", lea).status == 200);

    auto entries = board.central.store->audit(50);
    REQUIRE(entries.ok());
    REQUIRE(entries->size() >= 3);
    // Newest first.
    const server::AuditEntry& leaReport = (*entries)[0];
    CHECK(leaReport.userName == "lea");
    CHECK(leaReport.action == "download-report");
    CHECK(leaReport.detail.find("pulse") != std::string::npos);
    CHECK(leaReport.detail.find("2026-h2") != std::string::npos);
    CHECK(leaReport.detail.find("csv-da") != std::string::npos);
    CHECK(leaReport.rows == 1);  // the one row she was sent
    const server::AuditEntry& aliJsonl = (*entries)[1];
    CHECK(aliJsonl.userName == "ali");
    CHECK(aliJsonl.action == "download-responses");
    CHECK(aliJsonl.detail == "survey pulse " + version + ", round 2026-h2, jsonl, k=5");
    CHECK(aliJsonl.rows == jsonlRows);
    const server::AuditEntry& aliCsv = (*entries)[2];
    CHECK(aliCsv.userName == "ali");
    CHECK(aliCsv.action == "download-responses");
    CHECK(aliCsv.detail == "survey pulse " + version + ", round 2026-h2, csv, k=5");
    CHECK(aliCsv.rows == csvRows);
    CHECK(aliCsv.at == "2026-11-23T12:00:00Z");  // the fake clock's time, in UTC
    for (const auto& entry : *entries) CHECK(entry.detail.find("finding_ease") == std::string::npos);  // never an answer

    // The entry is written before the first row goes out, with the rows the download holds: a reader who
    // stops after the first chunk is logged all the same.
    const auto stopped = board.get("/download/responses", "format=csv", ali);
    REQUIRE(stopped.stream);
    CHECK_FALSE(stopped.stream([](std::string_view) { return false; }));
    entries = board.central.store->audit(1);
    REQUIRE(entries.ok());
    REQUIRE(entries->size() == 1);
    CHECK(entries->front().userName == "ali");
    CHECK(entries->front().rows == csvRows);

    // The administrator's page lists them; nobody else's.
    CHECK(board.get("/audit", "", ali).status == 403);
    CHECK(board.get("/audit", "", lea).status == 403);
    const auto page = board.get("/audit", "", anna);
    REQUIRE(page.status == 200);
    CHECK(page.body.find("<td>2026-11-23T12:00:00Z</td><td>ali</td><td>download-responses</td><td>survey pulse " + version +
                         ", round 2026-h2, csv, k=5</td><td class=\"num\">30</td>") != std::string::npos);
    CHECK(page.body.find("<td>lea</td><td>download-report</td>") != std::string::npos);
    // The English page says the same.
    auto english = Board::request("GET", "/audit");
    english.setHeader("Cookie", std::string(kSessionCookie) + "=" + anna + "; __Host-svarboks_lang=en");
    CHECK(board.dashboard->handle(english).body.find("<td>ali</td><td>download-responses</td>") != std::string::npos);
    CHECK(board.get("/", "", anna).body.find("href=\"/audit\"") != std::string::npos);
}

TEST_CASE("collection: no figure of responses waiting for a round, and no page changes as they arrive") {
    Board board;
    board.addUnit("nord", "Hjemmepleje Nord", "Hjemmeplejen");
    board.addUser("lea", "unit-leader", {"unit:solhoj"});
    board.respond("solhoj", 7);
    board.respond("vest", 4);
    const std::string session = board.signIn();
    auto overview = board.get("/", "", session);
    REQUIRE(overview.status == 200);
    CHECK(overview.body.find("<p class=\"message\" id=\"no-round\">Der er endnu ingen frigivet runde.") != std::string::npos);
    CHECK(overview.body.find("id=\"participation\"") == std::string::npos);
    CHECK(overview.body.find("/download/") == std::string::npos);
    const std::string collection = sectionOf(overview.body, "collection");
    REQUIRE(!collection.empty());
    CHECK(collection.find("Der vises ingen tal, før en runde er frigivet") != std::string::npos);
    std::string words;  // the section's text, without its tags (<h2> has a digit)
    for (bool inTag = false; const char c : collection) {
        if (c == '<' || c == '>') inTag = c == '<';
        else if (!inTag) words += c;
    }
    CHECK(words.find_first_of("0123456789") == std::string::npos);
    auto english = Board::request("GET", "/");
    english.setHeader("Cookie", std::string(kSessionCookie) + "=" + session + "; __Host-svarboks_lang=en");
    CHECK(sectionOf(board.dashboard->handle(english).body, "collection").find("No figures are shown until a round is released") != std::string::npos);
    // Without a round, a unit's page and the downloads have nothing to show.
    CHECK(board.get("/unit", "id=solhoj", session).status == 404);
    CHECK(board.get("/download/report", "format=csv", session).status == 404);
    CHECK(board.get("/download/responses", "format=csv", session).status == 400);

    // One arrival at a time, up to 10 and past a multiple of k: the overview is the same bytes throughout,
    // for an administrator and a unit leader.
    const std::string lea = board.signInAs("lea");
    const std::string leaBefore = board.get("/", "", lea).body;
    for (int n = 1; n <= 10; ++n) {
        board.respond(n % 2 == 0 ? "nord" : "solhoj", 1);
        CHECK_MESSAGE(board.get("/", "", session).body == overview.body, n << " arrived");
        CHECK_MESSAGE(board.get("/", "", lea).body == leaBefore, n << " arrived");
    }

    // Once released, the round's figures; later answers in its weeks change no page at all.
    board.release();
    overview = board.get("/", "", session);
    CHECK(overview.body.find("id=\"no-round\"") == std::string::npos);
    CHECK(overview.body.find("<span class=\"stat-value\">21</span>") != std::string::npos);  // solhoj 12, vest 4, nord 5 in the round
    const std::string unitBefore = board.get("/unit", "id=nord", session).body;
    CHECK(unitBefore.find("<strong class=\"respondents\">5</strong>") != std::string::npos);
    board.respond("nord", 5, "2026-W48");
    CHECK(board.get("/", "", session).body == overview.body);
    CHECK(board.get("/unit", "id=nord", session).body == unitBefore);
}

TEST_CASE("policy: pages word k as the round was released with it") {
    Board board;
    board.respond("solhoj", 6);
    board.respond("vest", 6);
    board.release("2026-a", "2026-W40", "2026-W47");
    REQUIRE(board.central.store->setGroupSize(7).ok());
    CHECK_FALSE(board.central.store->setGroupSize(4).ok());
    board.respond("solhoj", 6, "2026-W48");
    board.respond("vest", 7, "2026-W48");
    const std::string session = board.signIn();
    board.release("2026-b", "2026-W48", "2026-W52");

    // Round a keeps 5 (6 and 6 shown), round b has 7 (solhoj's 6 hidden, and vest's with it).
    const auto a = board.get("/", "round=2026-a", session);
    CHECK(a.body.find("<td class=\"num unit-total\">6</td>") != std::string::npos);
    CHECK(a.body.find("færre end 5") != std::string::npos);
    CHECK(a.body.find("færre end 7") == std::string::npos);
    const auto b = board.get("/", "round=2026-b", session);
    CHECK(b.body.find("<td class=\"num unit-total hidden-cell\">færre end 7</td>") != std::string::npos);
    CHECK(b.body.find("færre end 5") == std::string::npos);
    CHECK(b.body.find("<td class=\"num unit-total\">6</td>") == std::string::npos);
    CHECK(b.body.find("<td class=\"num unit-total\">7</td>") == std::string::npos);
    CHECK(board.get("/unit", "id=solhoj&round=2026-b", session).body.find("k = 7") != std::string::npos);
    CHECK(board.get("/unit", "id=solhoj&round=2026-a", session).body.find("k = 5") != std::string::npos);
}

TEST_CASE("a hidden figure's number never reaches a page, a chart or a download") {
    server::DashboardOptions options = fastOptions();
    options.reports = [](const server::ReportRequest&) -> shared::Result<server::Report> { return tellTaleReport(); };
    Board board(options);
    board.addUnit("shown", "Synlig enhed", "hjemmeplejen");
    board.addUnit("few", "Lille enhed", "hjemmeplejen");
    board.addUnit("second", "Anden enhed", "hjemmeplejen");
    board.release();  // pages show a report only once a round is released (this one's figures come from tellTaleReport)
    const std::string session = board.signIn();
    for (const std::string language : {"da", "en"}) {
        for (const auto& [path, query] : std::vector<std::pair<std::string, std::string>>{
                 {"/", ""}, {"/unit", "id=few"}, {"/unit", "id=second"}, {"/unit", "id=shown"}, {"/compare", "unit=few&unit=second&unit=shown"},
                 {"/download/report", "format=csv"}, {"/download/report", "format=csv-da"}}) {
            auto request = Board::request("GET", path, query);
            request.setHeader("Cookie", std::string(kSessionCookie) + "=" + session + "; __Host-svarboks_lang=" + language);
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

std::vector<std::string> csvLines(const std::string& out) {
    std::vector<std::string> lines;
    for (std::size_t start = 0; start < out.size();) {
        const auto end = out.find("\r\n", start);
        lines.push_back(out.substr(start, end - start));
        start = end + 2;
    }
    return lines;
}

std::string reportCsv(const server::Report& report, server::CsvDialect dialect, std::string_view locale, server::ReportHeaders headers) {
    std::string out;
    server::CsvWriter csv(dialect, [&](std::string_view chunk) {
        out.append(chunk);
        return true;
    });
    REQUIRE(server::writeReportCsv(report, csv, locale, headers));
    return out;
}

TEST_CASE("report CSV: one row per report row, hidden figures as words, stable column names") {
    const server::Report report = tellTaleReport();
    const std::string out = reportCsv(report, server::CsvDialect::Standard, "en", server::ReportHeaders::Ids);
    const std::vector<std::string> lines = csvLines(out);
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

TEST_CASE("report CSV for Danish Excel: Danish words, and the survey's Danish titles of areas, levels and choices") {
    server::Report report = tellTaleReport();
    report.survey.areas[0].title = shared::LocalizedText(shared::TextMap{{"da", "Information"}, {"en", "Information literacy"}});
    report.survey.levels[1].title = shared::LocalizedText(shared::TextMap{{"da", "Øvet"}, {"en", "Advanced"}});
    const std::string out = reportCsv(report, server::CsvDialect::DanishExcel, "da", server::ReportHeaders::Titles);
    const std::vector<std::string> lines = csvLines(out);
    REQUIRE(lines.size() == 6);
    CHECK(lines[0] ==
          "\xEF\xBB\xBFniveau;gruppe;enhed;navn;respondenter;Information: respondenter;Information: gennemsnit (0-1);Information: Lav;"
          "Information: Øvet;Område B: respondenter;Område B: gennemsnit (0-1);Område B: Lav;Område B: Øvet;uge 2026-W47;uge 2026-W48;"
          "q1: respondenter;q1: Ja;q1: Nej");
    CHECK(lines[1] == "kommune;;;;40;40;0,500;20;20;40;0,500;20;20;;;40;20;20");
    CHECK(lines[2].rfind("gruppe;hjemmeplejen;", 0) == 0);
    CHECK(lines[4].rfind("enhed;hjemmeplejen;few;Lille enhed;færre end 5;", 0) == 0);
    for (const std::string english : {"municipality", "respondents", "mean", "level", "week", "high", "low"}) {
        CHECK_MESSAGE(out.find(english) == std::string::npos, english);
    }
    checkNoTell(out, "report csv-da");
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
    board.release("runde-4711");
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
    auto unit = client.Get("/unit?id=solhoj&round=runde-4711", {{"Cookie", std::string(kSessionCookie) + "=" + token}});
    REQUIRE(unit);
    CHECK(unit->status == 200);
    CHECK(unit->get_header_value("Content-Security-Policy").find("default-src 'none'") == 0);
    CHECK(unit->body.find("Plejecenter Solhøj") != std::string::npos);
    auto download = client.Get("/download/responses?format=jsonl", {{"Cookie", std::string(kSessionCookie) + "=" + token}});
    REQUIRE(download);
    CHECK(download->status == 200);
    CHECK(std::count(download->body.begin(), download->body.end(), '\n') == 6);
    CHECK(download->get_header_value("Content-Disposition").find("-runde-4711.jsonl") != std::string::npos);
    auto ranged = client.Get("/?from=2026-W40", {{"Cookie", std::string(kSessionCookie) + "=" + token}});
    REQUIRE(ranged);
    CHECK(ranged->status == 400);
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
    CHECK(all.find("runde-4711") == std::string::npos);
    CHECK(all.find("127.0.0.1") == std::string::npos);
}

}  // TEST_SUITE

}  // namespace svarboks::test
