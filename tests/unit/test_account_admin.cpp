// Accounts: the library that `users` and the dashboard's Accounts pages share (account_admin.hpp), and the
// pages through Dashboard::handle: a password shown once, the first sign-in that must choose its own,
// disable, enable, reset, unlock, remove, the refusals next to their fields, no administrator locking the
// dashboard out, and 403 for an analyst and a unit leader on every URL and form of the area.
#include "svarboks/server/account_admin.hpp"
#include "test_dashboard_fixture.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <thread>

namespace svarboks::test {
namespace {

using server::AccountAdmin;
using server::AccountChange;
using server::AdminProblem;
using server::FirstPassword;

AccountAdmin adminAs(Central& central, const std::string& actor) {
    return AccountAdmin(*central.store, actor, central.fakeClock.clock(), server::PasswordCost::Minimum);
}

server::UserAccount userOf(Central& central, const std::string& name) {
    auto found = central.store->findUser(name);
    REQUIRE(found.ok());
    REQUIRE(found->has_value());
    return **found;
}

std::vector<server::AuditEntry> auditOf(Central& central) {
    auto entries = central.store->audit(100);
    REQUIRE(entries.ok());
    return *entries;
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

template <class Outcome>
AdminProblem problemOf(const Outcome& outcome) {
    return outcome.ok() ? AdminProblem::Store : outcome.error().problem;
}

}  // namespace

TEST_CASE("accounts: added with a password shown once, which signs in; a one-time one must be changed first; every change audited") {
    Board board;
    AccountAdmin admin = adminAs(board.central, "anna");

    auto kept = admin.add({"ali", "analyst", {}, {}}, FirstPassword::Generated);
    REQUIRE(kept.ok());
    CHECK(kept->size() == 23);  // generatePassword(): 20 symbols in groups of five
    CHECK_FALSE(userOf(board.central, "ali").mustChangePassword);
    CHECK(board.login("ali", *kept).status == 303);
    CHECK(userOf(board.central, "ali").lastSignInAt == server::unixSeconds(board.central.fakeClock.now()));

    auto oneTime = admin.add({"lea", "unit-leader", {"solhoj"}, {}}, FirstPassword::OneTime);
    REQUIRE(oneTime.ok());
    const auto lea = userOf(board.central, "lea");
    CHECK(lea.mustChangePassword);
    CHECK(lea.role == "unit-leader");
    CHECK(lea.scope == std::vector<std::string>{"unit:solhoj"});
    CHECK(lea.passwordHash.find(*oneTime) == std::string::npos);

    auto given = admin.add({"bo", "administrator", {}, {}}, FirstPassword::Given, "a long enough password");
    REQUIRE(given.ok());
    CHECK(given->empty());  // nothing to show
    CHECK(board.login("bo", "a long enough password").status == 303);

    const auto log = auditOf(board.central);
    REQUIRE(log.size() == 3);
    CHECK(log[2].detail == "ali as analyst");
    CHECK(log[1].detail == "lea as unit-leader (units solhoj), chooses a password at first sign-in");
    CHECK(std::all_of(log.begin(), log.end(), [](const server::AuditEntry& e) { return e.userName == "anna" && e.action == "add-user"; }));
    for (const auto& entry : log) CHECK_FALSE(has(entry.detail, *kept));
    auto listed = admin.accounts();
    REQUIRE(listed.ok());
    CHECK(listed->size() == 4);
    CHECK(std::all_of(listed->begin(), listed->end(), [](const server::UserAccount& u) { return u.passwordHash.empty(); }));
}

TEST_CASE("accounts: every bad input is refused with the field it is about, and nothing is stored") {
    Board board;
    AccountAdmin admin = adminAs(board.central, "anna");
    const auto add = [&](const AccountChange& change) { return problemOf(admin.add(change, FirstPassword::Generated)); };
    CHECK(add({"", "analyst", {}, {}}) == AdminProblem::InvalidUserName);
    CHECK(add({"Anna Berg", "analyst", {}, {}}) == AdminProblem::InvalidUserName);
    CHECK(add({"anna", "analyst", {}, {}}) == AdminProblem::TakenUserName);
    CHECK(add({"ali", "manager", {}, {}}) == AdminProblem::InvalidRole);
    CHECK(add({"lea", "unit-leader", {}, {}}) == AdminProblem::MissingScope);
    CHECK(add({"ali", "analyst", {"solhoj"}, {}}) == AdminProblem::ScopeNotAllowed);
    CHECK(add({"lea", "unit-leader", {"nowhere"}, {}}) == AdminProblem::UnknownScopeUnit);
    CHECK(add({"lea", "unit-leader", {}, {"Skoler"}}) == AdminProblem::UnknownScopeGroup);
    CHECK(problemOf(admin.add({"bo", "analyst", {}, {}}, FirstPassword::Given, "short")) == AdminProblem::InvalidPassword);
    const auto taken = admin.add({"anna", "analyst", {}, {}}, FirstPassword::Generated);
    CHECK(taken.error().field() == "name");
    CHECK(has(taken.error().message, "'anna' is taken"));
    CHECK(admin.add({"lea", "unit-leader", {}, {}}, FirstPassword::Generated).error().field() == "scope");
    CHECK(problemOf(admin.setRole({"nobody", "analyst", {}, {}})) == AdminProblem::UnknownUser);
    CHECK(problemOf(admin.disable("nobody")) == AdminProblem::UnknownUser);
    CHECK(problemOf(admin.resetPassword("nobody")) == AdminProblem::UnknownUser);
    CHECK(problemOf(admin.remove("nobody")) == AdminProblem::UnknownUser);
    CHECK(board.central.store->users()->size() == 1);
    CHECK(auditOf(board.central).empty());

    // A group of a unit now, or of a released round, can be led.
    REQUIRE(board.central.store->setUnitGroup("vest", "Hjemmeplejen").ok());
    CHECK(admin.add({"lea", "unit-leader", {}, {"Hjemmeplejen"}}, FirstPassword::Generated).ok());
    CHECK(userOf(board.central, "lea").scope == std::vector<std::string>{"group:Hjemmeplejen"});
}

TEST_CASE("accounts: disabled, reset and removed accounts lose their sessions; enabled and unlocked ones sign in again") {
    Board board;
    board.addUser("ali", "analyst");
    AccountAdmin admin = adminAs(board.central, "anna");
    const std::string session = board.signInAs("ali");
    CHECK(board.get("/", "", session).status == 200);

    REQUIRE(admin.disable("ali").ok());
    CHECK(userOf(board.central, "ali").disabled);
    CHECK(board.get("/", "", session).status == 303);  // to the login: the session ended
    CHECK(board.login("ali", kPassword).status == 403);
    REQUIRE(admin.enable("ali").ok());
    const std::string again = board.signInAs("ali");

    auto reset = admin.resetPassword("ali");
    REQUIRE(reset.ok());
    CHECK(board.get("/", "", again).status == 303);
    CHECK(board.login("ali", kPassword).status == 403);
    const auto signedIn = board.login("ali", *reset);
    REQUIRE(signedIn.status == 303);
    CHECK(userOf(board.central, "ali").mustChangePassword);
    const std::string oneTime = setCookie(signedIn, kSessionCookie);
    CHECK(board.get("/", "", oneTime).header("Location") == "/account/password");

    REQUIRE(board.central.store->recordLoginFailure("ali", 1, server::unixSeconds(board.central.fakeClock.now()) + 600).ok());
    CHECK(server::isLocked(userOf(board.central, "ali"), board.central.fakeClock.now()));
    REQUIRE(admin.unlock("ali").ok());
    CHECK_FALSE(server::isLocked(userOf(board.central, "ali"), board.central.fakeClock.now()));

    REQUIRE(admin.remove("ali").ok());
    CHECK(board.get("/", "", oneTime).status == 303);
    CHECK_FALSE(board.central.store->findUser("ali")->has_value());
    std::vector<std::string> actions;
    for (const auto& entry : auditOf(board.central)) actions.push_back(entry.action);
    CHECK(actions == std::vector<std::string>{"remove-user", "unlock-user", "reset-password", "enable-user", "disable-user"});
}

TEST_CASE("accounts: no administrator can lock the dashboard out: not themselves, and never the last enabled administrator") {
    Board board;
    AccountAdmin anna = adminAs(board.central, "anna");
    CHECK(problemOf(anna.disable("anna")) == AdminProblem::SelfLockout);
    CHECK(problemOf(anna.remove("anna")) == AdminProblem::SelfLockout);
    CHECK(problemOf(anna.setRole({"anna", "analyst", {}, {}})) == AdminProblem::SelfLockout);
    CHECK(problemOf(anna.resetPassword("anna")) == AdminProblem::SelfLockout);
    CHECK(anna.setRole({"anna", "administrator", {}, {}}).ok());  // keeping the role is fine

    // The command line has no account of its own, but it keeps an administrator too.
    AccountAdmin cli = adminAs(board.central, "(command line)");
    const auto last = cli.disable("anna");
    REQUIRE_FALSE(last.ok());
    CHECK(last.error().problem == AdminProblem::LastAdministrator);
    CHECK(has(last.error().message, "last enabled administrator"));
    CHECK(problemOf(cli.remove("anna")) == AdminProblem::LastAdministrator);
    CHECK(problemOf(cli.setRole({"anna", "analyst", {}, {}})) == AdminProblem::LastAdministrator);

    // With a second administrator, disabled, anna is still the last enabled one; enabled, she is not.
    board.addUser("bo", "administrator");
    REQUIRE(cli.disable("bo").ok());
    CHECK(problemOf(cli.remove("anna")) == AdminProblem::LastAdministrator);
    REQUIRE(cli.enable("bo").ok());
    CHECK(cli.setRole({"anna", "analyst", {}, {}}).ok());
    CHECK(userOf(board.central, "anna").role == "analyst");
}

TEST_CASE("accounts: two administrators disabling each other at the same moment never leave none enabled") {
    Board board;
    board.addUser("bo", "administrator");
    AccountAdmin anna = adminAs(board.central, "anna");
    AccountAdmin bo = adminAs(board.central, "bo");
    // Each round both check "another administrator is enabled" and then disable the other, at once.
    // Only the store's own check, in the transaction of the change, keeps one of them enabled.
    for (int round = 0; round < 50; ++round) {
        std::atomic<int> ready{0};
        server::AdminStatus byAnna = server::AdminDone{};
        server::AdminStatus byBo = server::AdminDone{};
        std::thread first([&] {
            ++ready;
            while (ready < 2) {}
            byAnna = anna.disable("bo");
        });
        std::thread second([&] {
            ++ready;
            while (ready < 2) {}
            byBo = bo.disable("anna");
        });
        first.join();
        second.join();
        const bool annaEnabled = !userOf(board.central, "anna").disabled;
        const bool boEnabled = !userOf(board.central, "bo").disabled;
        REQUIRE((annaEnabled || boEnabled));
        CHECK(byAnna.ok() != byBo.ok());  // exactly one of them, as if one after the other
        for (const auto* outcome : {&byAnna, &byBo}) {
            if (!outcome->ok()) CHECK(outcome->error().problem == AdminProblem::LastAdministrator);
        }
        AccountAdmin cli = adminAs(board.central, "(command line)");
        REQUIRE(cli.enable("anna").ok());
        REQUIRE(cli.enable("bo").ok());
    }

    // The store refuses it by itself too, whoever asks.
    REQUIRE(board.central.store->setUserDisabled("bo", true).ok());
    const auto refused = board.central.store->setUserDisabled("anna", true);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.message() == server::kNoAdministratorLeft);
    CHECK_FALSE(userOf(board.central, "anna").disabled);
    CHECK(board.central.store->removeUser("anna").message() == server::kNoAdministratorLeft);
    CHECK(board.central.store->setUserRole("anna", "analyst", {}).message() == server::kNoAdministratorLeft);
    CHECK(userOf(board.central, "anna").role == "administrator");
}

TEST_CASE("accounts: an account changes its own password with the current one; its other sessions end") {
    Board board;
    const std::string first = board.signIn();
    const std::string second = board.signIn();
    REQUIRE(board.get("/", "", first).status == 200);
    AccountAdmin self = adminAs(board.central, "anna");
    const std::string key = shared::sha256Hex(first);
    CHECK(problemOf(self.changeOwnPassword("wrong password!", "a brand new password", "a brand new password", key)) == AdminProblem::WrongPassword);
    CHECK(problemOf(self.changeOwnPassword(kPassword, "short", "short", key)) == AdminProblem::InvalidPassword);
    CHECK(problemOf(self.changeOwnPassword(kPassword, kPassword, kPassword, key)) == AdminProblem::InvalidPassword);
    CHECK(problemOf(self.changeOwnPassword(kPassword, "a brand new password", "a brand new passwort", key)) == AdminProblem::PasswordsDiffer);
    REQUIRE(self.changeOwnPassword(kPassword, "a brand new password", "a brand new password", key).ok());
    CHECK(board.get("/", "", first).status == 200);
    CHECK(board.get("/", "", second).status == 303);
    CHECK(board.login("anna", kPassword).status == 403);
    CHECK(board.login("anna", "a brand new password").status == 303);
    CHECK(auditOf(board.central).front().action == "change-password");

    // Guessing the current password here counts like guessing it at the sign-in: five wrong ones lock the
    // account, and while locked even the right one is not checked (nor can anyone sign in).
    for (int i = 0; i < 4; ++i) {
        CHECK(problemOf(self.changeOwnPassword("a guess " + std::to_string(i), "another new password", "another new password", key)) ==
              AdminProblem::WrongPassword);
    }
    CHECK(userOf(board.central, "anna").lockedUntil == 0);
    CHECK(problemOf(self.changeOwnPassword("the fifth guess", "another new password", "another new password", key)) == AdminProblem::WrongPassword);
    CHECK(userOf(board.central, "anna").lockedUntil > 0);
    const auto locked = self.changeOwnPassword("a brand new password", "another new password", "another new password", key);
    REQUIRE_FALSE(locked.ok());
    CHECK(locked.error().problem == AdminProblem::AccountLocked);
    CHECK(has(locked.error().message, "locked for 15 minutes"));
    CHECK(board.login("anna", "a brand new password").status != 303);
    board.central.fakeClock.advance(std::chrono::minutes(16));
    CHECK(self.changeOwnPassword("a brand new password", "another new password", "another new password", key).ok());
}

// ---- the pages ----

namespace {

struct AccountBoard : Board {
    std::string session = signIn();
    std::string csrf = csrfOf(get("/admin/accounts", "", session).body);

    HttpResponse form(const std::string& path, const std::string& fields, const std::string& as = "") {
        const std::string who = as.empty() ? session : as;
        const std::string token = as.empty() ? csrf : csrfOf(get("/account/password", "", as).body);
        return post(path, "csrf=" + server::urlEncode(token) + "&" + fields, who);
    }
    // The password on the page a made password is shown on, opened once.
    std::string shownPassword(const HttpResponse& made) {
        const std::string location = made.header("Location");
        REQUIRE(location.rfind("/admin/accounts/password?id=", 0) == 0);
        const auto page = get("/admin/accounts/password", location.substr(location.find('?') + 1), session);
        REQUIRE(page.status == 200);
        const std::string marker = "id=\"password\">";
        const auto at = page.body.find(marker);
        REQUIRE(at != std::string::npos);
        const std::string password = page.body.substr(at + marker.size(), 23);
        CHECK(get("/admin/accounts/password", location.substr(location.find('?') + 1), session).status == 404);  // once
        return password;
    }
};

bool errorSays(const std::string& html, const std::string& id, const std::string& text) {
    const auto at = html.find("id=\"" + id + "-error\"");
    if (at == std::string::npos) return false;
    return html.substr(at, html.find("</p>", at) - at).find(server::escapeHtml(text)) != std::string::npos &&
           has(html, "aria-describedby=\"" + id + "-error\"");
}

}  // namespace

TEST_CASE("account pages: add with a one-time password, the first sign-in chooses its own, then disable, enable, reset, unlock, remove") {
    AccountBoard board;
    const std::string list = board.get("/admin/accounts", "", board.session).body;
    CHECK(has(list, "anna (dig)"));
    CHECK(has(list, "href=\"/admin/accounts\" aria-current=\"page\""));

    auto made = board.form("/admin/accounts/add", "name=Lea&role=unit-leader&unit=solhoj&password=one-time");
    REQUIRE(made.status == 303);
    const std::string password = board.shownPassword(made);
    CHECK(userOf(board.central, "lea").mustChangePassword);
    CHECK(has(board.get("/admin/accounts", "", board.session).body, "skal vælge adgangskode"));

    // Lea signs in and is sent to choose her own password, whatever she opens.
    const auto signedIn = board.login("lea", password);
    REQUIRE(signedIn.status == 303);
    const std::string lea = setCookie(signedIn, kSessionCookie);
    CHECK(board.get("/", "", lea).header("Location") == "/account/password");
    CHECK(board.get("/compare", "", lea).header("Location") == "/account/password");
    CHECK(board.get("/download/report", "", lea).status == 403);
    const auto choose = board.get("/account/password", "", lea);
    CHECK(choose.status == 200);
    CHECK(has(choose.body, "Du er logget ind med en engangsadgangskode."));
    auto mismatch = board.form("/account/password", "current=" + server::urlEncode(password) + "&password=lea+chooses+her+own&again=lea+chooses+her", lea);
    CHECK(mismatch.status == 400);
    CHECK(errorSays(mismatch.body, "pw-again", "De to nye adgangskoder er ikke ens."));
    auto wrong = board.form("/account/password", "current=nope&password=lea+chooses+her+own&again=lea+chooses+her+own", lea);
    CHECK(errorSays(wrong.body, "pw-current", "Den nuværende adgangskode er forkert."));
    auto tooShort = board.form("/account/password", "current=" + server::urlEncode(password) + "&password=kort&again=kort", lea);
    CHECK(errorSays(tooShort.body, "pw-new", "Brug mindst 12 tegn"));
    auto changed = board.form("/account/password", "current=" + server::urlEncode(password) + "&password=lea+chooses+her+own&again=lea+chooses+her+own", lea);
    REQUIRE(changed.status == 303);
    CHECK(changed.header("Location") == "/account/password?done=1");
    CHECK(board.get("/", "", lea).status == 200);
    CHECK_FALSE(userOf(board.central, "lea").mustChangePassword);

    // Disable: asked first, then Lea is signed out and cannot sign in; enable lets her in again.
    CHECK(has(board.get("/admin/account/disable", "name=lea", board.session).body, "Deaktivere lea?"));
    CHECK(board.form("/admin/account/disable", "name=lea").header("Location") == "/admin/account?name=lea&done=disabled");
    CHECK(board.get("/", "", lea).status == 303);
    CHECK(board.login("lea", "lea chooses her own").status == 403);
    CHECK(has(board.get("/admin/account", "name=lea", board.session).body, "Deaktiveret"));
    CHECK(board.form("/admin/account/enable", "name=lea").header("Location") == "/admin/account?name=lea&done=enabled");
    CHECK(board.login("lea", "lea chooses her own").status == 303);

    // Reset: a new one-time password, shown once.
    CHECK(has(board.get("/admin/account/reset", "name=lea", board.session).body, "Nulstille adgangskoden til lea?"));
    const std::string reset = board.shownPassword(board.form("/admin/account/reset", "name=lea"));
    CHECK(board.login("lea", "lea chooses her own").status == 403);
    CHECK(board.login("lea", reset).status == 303);

    // Unlock: shown while locked.
    REQUIRE(board.central.store->recordLoginFailure("lea", 1, server::unixSeconds(board.central.fakeClock.now()) + 600).ok());
    CHECK(has(board.get("/admin/account", "name=lea", board.session).body, "action=\"/admin/account/unlock\""));
    CHECK(board.form("/admin/account/unlock", "name=lea").header("Location") == "/admin/account?name=lea&done=unlocked");
    CHECK_FALSE(has(board.get("/admin/account", "name=lea", board.session).body, "action=\"/admin/account/unlock\""));

    // Role and scope, then remove.
    CHECK(board.form("/admin/account/role", "name=lea&role=analyst").header("Location") == "/admin/account?name=lea&done=role");
    CHECK(userOf(board.central, "lea").role == "analyst");
    CHECK(userOf(board.central, "lea").scope.empty());
    CHECK(has(board.get("/admin/account/remove", "name=lea", board.session).body, "Fjerne lea?"));
    CHECK(board.form("/admin/account/remove", "name=lea").header("Location") == "/admin/accounts?done=removed&account=lea");
    CHECK(has(board.get("/admin/accounts", "done=removed&account=lea", board.session).body, "Kontoen lea er fjernet."));

    std::vector<std::string> actions;
    for (const auto& entry : auditOf(board.central)) {
        actions.push_back(entry.action);
        CHECK_FALSE(has(entry.detail, password));
        CHECK_FALSE(has(entry.detail, reset));
    }
    CHECK(actions == std::vector<std::string>{"remove-user", "set-role", "unlock-user", "reset-password", "enable-user", "disable-user",
                                              "change-password", "add-user"});
    CHECK(auditOf(board.central)[6].userName == "lea");
}

TEST_CASE("account pages: a password made on one replica is shown by another, to the session that made it only, and never stored readable") {
    AccountBoard board;
    // Another replica: its own connection to the same store, its own dashboard; the load balancer may send any request to either.
    auto otherStore = board.central.openAnother();
    REQUIRE(otherStore.ok());
    server::Dashboard other(**otherStore, fastOptions(), board.central.fakeClock.clock(), [](std::chrono::milliseconds) {});
    const auto getOn = [&](server::Dashboard& replica, const std::string& query, const std::string& session) {
        auto request = Board::request("GET", "/admin/accounts/password", query);
        request.setHeader("Cookie", std::string(kSessionCookie) + "=" + session);
        return replica.handle(request);
    };

    auto made = board.form("/admin/accounts/add", "name=lea&role=analyst&password=keep");
    REQUIRE(made.status == 303);
    const std::string location = made.header("Location");
    const std::string query = location.substr(location.find('?') + 1);
    std::string kept;
    board.central.query("SELECT sealed FROM kept_once", [&](sqlite3_stmt* row) {
        kept.assign(static_cast<const char*>(sqlite3_column_blob(row, 0)), static_cast<std::size_t>(sqlite3_column_bytes(row, 0)));
    });
    REQUIRE(!kept.empty());

    // Another session, even the same administrator's, and another administrator: 404, and it stays.
    const std::string annaElsewhere = board.signIn();
    board.addUser("bo", "administrator");
    const std::string bo = board.signInAs("bo");
    CHECK(getOn(other, query, annaElsewhere).status == 404);
    CHECK(getOn(other, query, bo).status == 404);
    CHECK(board.central.count("kept_once") == 1);

    const auto page = getOn(other, query, board.session);
    REQUIRE(page.status == 200);
    const std::string marker = "id=\"password\">";
    const auto at = page.body.find(marker);
    REQUIRE(at != std::string::npos);
    const std::string password = page.body.substr(at + marker.size(), 23);
    CHECK_FALSE(has(kept, password));
    CHECK_FALSE(has(kept, "lea"));
    CHECK(board.get("/admin/accounts/password", query, board.session).status == 404);  // shown once, whichever replica asks
    CHECK(board.central.count("kept_once") == 0);
    CHECK(board.login("lea", password).status == 303);
}

TEST_CASE("account pages: each bad input comes back as the form with a message next to its field; lockouts are refused") {
    AccountBoard board;
    auto empty = board.form("/admin/accounts/add", "name=&role=analyst&password=keep");
    CHECK(empty.status == 400);
    CHECK(errorSays(empty.body, "add-name", "Brug 1-64 tegn"));
    CHECK(has(empty.body, "id=\"add-password-keep\" name=\"password\" value=\"keep\" checked"));  // what was chosen stays
    auto taken = board.form("/admin/accounts/add", "name=anna&role=analyst");
    CHECK(errorSays(taken.body, "add-name", "Navnet anna er allerede brugt."));
    auto noScope = board.form("/admin/accounts/add", "name=lea&role=unit-leader");
    CHECK(noScope.status == 400);
    CHECK(errorSays(noScope.body, "add-scope", "En enhedsleder skal have mindst én enhed eller gruppe."));
    CHECK(has(noScope.body, "value=\"lea\""));
    auto scoped = board.form("/admin/accounts/add", "name=ali&role=analyst&unit=vest");
    CHECK(errorSays(scoped.body, "add-scope", "Kun en enhedsleder har enheder og grupper"));
    CHECK(has(scoped.body, "value=\"vest\" checked"));
    auto badRole = board.form("/admin/accounts/add", "name=ali&role=boss");
    CHECK(errorSays(badRole.body, "add-role", "Vælg en af rollerne."));

    auto self = board.form("/admin/account/disable", "name=anna");
    CHECK(self.status == 400);
    CHECK(has(self.body, "Det kan du ikke gøre ved din egen konto"));
    CHECK_FALSE(userOf(board.central, "anna").disabled);
    auto demote = board.form("/admin/account/role", "name=anna&role=analyst");
    CHECK(has(demote.body, "Det kan du ikke gøre ved din egen konto"));
    CHECK(board.form("/admin/account/remove", "name=nobody").status == 404);
    CHECK(board.get("/admin/account", "name=nobody", board.session).status == 404);
    CHECK(board.get("/admin/accounts/add", "", board.session).status == 405);
    CHECK(board.form("/admin/accounts", "").status == 405);

    // In English too.
    auto english = Board::formPost("/admin/accounts/add", "csrf=" + server::urlEncode(board.csrf) + "&name=anna&role=analyst");
    english.setHeader("Sec-Fetch-Site", "same-origin");
    english.setHeader("Cookie", std::string(kSessionCookie) + "=" + board.session + "; __Host-svarboks_lang=en");
    CHECK(errorSays(board.dashboard->handle(english).body, "add-name", "The name anna is taken. Choose another."));

    CHECK(board.central.store->users()->size() == 1);
    CHECK(auditOf(board.central).empty());
}

TEST_CASE("account pages: a form without this session's CSRF token is refused; the own-password page too") {
    AccountBoard board;
    CHECK(board.post("/admin/accounts/add", "name=ali&role=analyst", board.session).status == 403);
    CHECK(board.post("/admin/accounts/add", "csrf=wrong&name=ali&role=analyst", board.session).status == 403);
    CHECK(board.post("/account/password", "current=" + server::urlEncode(kPassword) + "&password=a+brand+new+password&again=a+brand+new+password",
                     board.session).status == 403);
    CHECK(board.central.store->users()->size() == 1);
    CHECK(board.login("anna", kPassword).status == 303);
    CHECK(auditOf(board.central).empty());
}

TEST_CASE("account pages: an analyst and a unit leader get 403 on every URL and form of the accounts area") {
    Board board;
    board.addUser("ali", "analyst");
    board.addUser("leo", "unit-leader", {"unit:solhoj"});
    const std::vector<std::string> pages = {"/admin/accounts",        "/admin/accounts/add",   "/admin/accounts/password", "/admin/account",
                                            "/admin/account/role",    "/admin/account/disable", "/admin/account/enable",   "/admin/account/reset",
                                            "/admin/account/unlock",  "/admin/account/remove"};
    const std::vector<std::pair<std::string, std::string>> forms = {
        {"/admin/accounts/add", "name=mallory&role=administrator&password=keep"},
        {"/admin/account/role", "name=anna&role=analyst"},
        {"/admin/account/role", "name=ali&role=administrator"},
        {"/admin/account/disable", "name=anna"},
        {"/admin/account/enable", "name=anna"},
        {"/admin/account/reset", "name=anna"},
        {"/admin/account/unlock", "name=anna"},
        {"/admin/account/remove", "name=anna"},
    };
    for (const std::string name : {"ali", "leo"}) {
        CAPTURE(name);
        const std::string session = board.signInAs(name);
        const std::string csrf = csrfOf(board.get("/", "", session).body);
        REQUIRE(!csrf.empty());
        CHECK(has(board.get("/", "", session).body, "href=\"/account/password\""));  // their own password, yes
        for (const auto& path : pages) {
            CAPTURE(path);
            CHECK(board.get(path, "name=anna", session).status == 403);
        }
        for (const auto& [path, fields] : forms) {
            CAPTURE(path);
            const auto response = board.post(path, "csrf=" + server::urlEncode(csrf) + "&" + fields, session);
            CHECK(response.status == 403);
            CHECK(response.header("Location").empty());
        }
    }
    CHECK(board.central.store->users()->size() == 3);
    CHECK(userOf(board.central, "anna").role == "administrator");
    CHECK(userOf(board.central, "ali").role == "analyst");
    CHECK_FALSE(userOf(board.central, "anna").disabled);
    CHECK(board.login("anna", kPassword).status == 303);
    CHECK(auditOf(board.central).empty());
}

}  // namespace svarboks::test
