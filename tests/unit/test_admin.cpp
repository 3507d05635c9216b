// Administration: the library that the command line and the dashboard share (administration.hpp), and the
// dashboard's Administration area through Dashboard::handle: each action, each refused input with the
// message next to its field, CSRF, and 403 for every role but administrator on every URL and form.
#include "svarboks/server/administration.hpp"
#include "test_dashboard_fixture.hpp"

#include <doctest/doctest.h>

#include <algorithm>

namespace svarboks::test {
namespace {

using server::AdminProblem;
using server::Administration;

// What a kiosk gets from GET /api/v1/survey with its token.
int surveyStatus(Central& central, const Enrolled& kiosk) {
    auto request = server::HttpRequest::make("GET", "/api/v1/survey", "", kiosk.bearer());
    return central.api->handle(request).status;
}

int enrolStatus(Central& central, const std::string& code) {
    return central.api->handle(server::HttpRequest::make("POST", "/api/v1/enroll", Central::enrollBody(code, shared::newUuidV4()))).status;
}

std::optional<server::UnitSummary> unitOf(Administration& admin, const std::string& id) {
    auto units = admin.units();
    REQUIRE(units.ok());
    for (const auto& summary : *units) {
        if (summary.unit.id == id) return summary;
    }
    return std::nullopt;
}

std::vector<server::AuditEntry> auditLog(Central& central) {
    auto entries = central.store->audit(100);
    REQUIRE(entries.ok());
    return *entries;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("administration: units are added, renamed, moved and retired, each in the audit log") {
    Central central;
    Administration admin(*central.store, "anna", central.fakeClock.clock());

    REQUIRE(admin.addUnit({"nord", "Hjemmepleje Nord", "hjemmeplejen"}).ok());
    auto nord = unitOf(admin, "nord");
    REQUIRE(nord);
    CHECK(nord->unit.name == "Hjemmepleje Nord");
    CHECK(nord->unit.group == "hjemmeplejen");
    CHECK_FALSE(nord->unit.retired);
    CHECK(nord->kiosks == 0);

    REQUIRE(admin.renameUnit("nord", "Hjemmeplejen Nord").ok());
    REQUIRE(admin.moveUnit("vest", {"hjemmeplejen", false}).ok());
    CHECK(unitOf(admin, "vest")->unit.group == "hjemmeplejen");
    REQUIRE(admin.moveUnit("vest", {"", false}).ok());
    CHECK(unitOf(admin, "vest")->unit.group.empty());
    REQUIRE(admin.retireUnit("nord").ok());
    CHECK(unitOf(admin, "nord")->unit.name == "Hjemmeplejen Nord");
    CHECK(unitOf(admin, "nord")->unit.retired);

    const auto log = auditLog(central);
    REQUIRE(log.size() == 5);
    CHECK(log[0].action == "retire-unit");
    CHECK(log[3].action == "rename-unit");
    CHECK(log[3].detail == "nord from Hjemmepleje Nord to Hjemmeplejen Nord");
    CHECK(log[4].action == "add-unit");
    CHECK(std::all_of(log.begin(), log.end(), [](const server::AuditEntry& e) { return e.userName == "anna"; }));
}

TEST_CASE("administration: every bad input is refused with the field it is about and what to fix") {
    Central central;
    Administration admin(*central.store, "anna", central.fakeClock.clock());
    const auto refused = [](const server::AdminStatus& status) { return status.ok() ? AdminProblem::Store : status.error().problem; };

    CHECK(refused(admin.addUnit({"", "Nord", ""})) == AdminProblem::InvalidUnitId);
    CHECK(refused(admin.addUnit({"Nord Øst", "Nord", ""})) == AdminProblem::InvalidUnitId);
    const auto taken = admin.addUnit({"solhoj", "Et andet Solhøj", ""});
    REQUIRE_FALSE(taken.ok());
    CHECK(taken.error().problem == AdminProblem::TakenUnitId);
    CHECK(taken.error().field() == "id");
    CHECK(contains(taken.error().message, "'solhoj' is taken"));
    const auto empty = admin.addUnit({"nord", "", ""});
    REQUIRE_FALSE(empty.ok());
    CHECK(empty.error().field() == "name");
    CHECK(contains(empty.error().message, "empty"));
    CHECK(refused(admin.addUnit({"nord", "Nord\nØst", ""})) == AdminProblem::InvalidName);
    CHECK(refused(admin.addUnit({"nord", "Nord", "gruppe\t"})) == AdminProblem::InvalidGroup);
    CHECK(refused(admin.addUnit({"nord", "Nord", "skoler"}, false)) == AdminProblem::UnknownGroup);
    CHECK(refused(admin.renameUnit("nord", "Nord")) == AdminProblem::UnknownUnit);
    CHECK(refused(admin.renameUnit("solhoj", "")) == AdminProblem::InvalidName);
    CHECK(refused(admin.moveUnit("solhoj", {"skoler", false})) == AdminProblem::UnknownGroup);
    CHECK(refused(admin.moveUnit("solhoj", {"", true})) == AdminProblem::InvalidGroup);
    CHECK(refused(admin.retireUnit("nord")) == AdminProblem::UnknownUnit);
    CHECK(refused(admin.revokeKiosk("no-such-kiosk")) == AdminProblem::UnknownDevice);
    const auto tooLong = admin.makeEnrolmentCode("solhoj", std::chrono::hours(24 * 31));
    REQUIRE_FALSE(tooLong.ok());
    CHECK(tooLong.error().problem == AdminProblem::InvalidLifetime);
    CHECK(tooLong.error().field() == "expires");
    CHECK(admin.makeEnrolmentCode("nord", std::chrono::hours(1)).error().problem == AdminProblem::UnknownUnit);

    // Nothing of it was stored or audited.
    CHECK(central.store->units()->size() == 2);
    CHECK(unitOf(admin, "solhoj")->unit.name == "Plejecenter Solhøj");
    CHECK(auditLog(central).empty());
}

TEST_CASE("administration: an enrolment code enrols one kiosk, is audited without the code, and a retired unit gets none") {
    Central central;
    Administration admin(*central.store, "anna", central.fakeClock.clock());
    auto made = admin.makeEnrolmentCode("solhoj", std::chrono::hours(24));
    REQUIRE(made.ok());
    CHECK(isEnrolmentCodeShape(made->code));
    CHECK(made->unit.name == "Plejecenter Solhøj");
    CHECK(made->expires == central.fakeClock.now() + std::chrono::hours(24));
    const auto log = auditLog(central);
    REQUIRE(log.size() == 1);
    CHECK(log[0].action == "make-enrolment-code");
    CHECK_FALSE(contains(log[0].detail, made->code));
    CHECK(enrolStatus(central, made->code) == 200);
    CHECK(enrolStatus(central, made->code) == 403);  // single use

    // Retiring: its unused codes stop working and it gets no new ones; its kiosks still sync.
    const Enrolled kiosk = central.enrol("solhoj");
    auto unused = admin.makeEnrolmentCode("solhoj", std::chrono::hours(24));
    REQUIRE(unused.ok());
    REQUIRE(admin.retireUnit("solhoj").ok());
    CHECK(enrolStatus(central, unused->code) == 403);
    const auto refused = admin.makeEnrolmentCode("solhoj", std::chrono::hours(24));
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().problem == AdminProblem::RetiredUnit);
    CHECK(refused.error().field() == "unit");
    CHECK_FALSE(central.store->addEnrolmentCode(server::enrolmentCodeHash(server::generateEnrolmentCode()), "solhoj", 4'000'000'000).ok());
    CHECK(surveyStatus(central, kiosk) == 200);
    CHECK(unitOf(admin, "solhoj")->kiosks == 2);
}

TEST_CASE("administration: kiosks are listed with their last contact and survey, and a revoked one gets 401") {
    Central central;
    Administration admin(*central.store, "anna", central.fakeClock.clock());
    const Enrolled kiosk = central.enrol("solhoj");
    auto before = admin.kiosks();
    REQUIRE(before.ok());
    REQUIRE(before->size() == 1);
    CHECK(before->front().surveyId.empty());

    CHECK(surveyStatus(central, kiosk) == 200);
    auto after = admin.kiosks();
    REQUIRE(after.ok());
    CHECK(after->front().id == kiosk.deviceId);
    CHECK(after->front().lastSeenOn == server::localDate(central.fakeClock.now()));
    CHECK(after->front().surveyId == "pulse");
    CHECK(after->front().surveyVersion == central.pulse.version);
    CHECK(unitOf(admin, "solhoj")->kiosks == 1);

    REQUIRE(admin.revokeKiosk(kiosk.deviceId).ok());
    CHECK(surveyStatus(central, kiosk) == 401);
    CHECK(admin.kiosks()->front().revoked);
    CHECK(unitOf(admin, "solhoj")->kiosks == 0);
    CHECK(auditLog(central).front().detail == kiosk.deviceId + " of unit solhoj");
}

TEST_CASE("administration: the QR code of an enrolment code") {
    const auto qr = server::qrMatrix("K7QM-3XHD-9PAB");
#ifdef SVARBOKS_TEST_QRENCODE
    REQUIRE(qr);
#endif
    if (qr) {
        CHECK(qr->width >= 21);
        CHECK(qr->at(0, 0));    // the finder pattern's corner
        CHECK_FALSE(qr->at(-1, 0));
        CHECK_FALSE(qr->at(qr->width, 0));
    }
}

// ---- the pages ----

namespace {

struct AdminBoard : Board {
    std::string session = signIn();
    std::string csrf = csrfOf(get("/admin/units", "", session).body);

    HttpResponse form(const std::string& path, const std::string& fields) { return post(path, "csrf=" + server::urlEncode(csrf) + "&" + fields, session); }
    std::string page(const std::string& path, const std::string& query = "") {
        const auto response = get(path, query, session);
        REQUIRE(response.status == 200);
        return response.body;
    }
};

std::string location(const HttpResponse& response) { return response.header("Location"); }

// The error paragraph tied to an input: present, and saying `text`.
bool fieldSays(const std::string& html, const std::string& inputId, const std::string& text) {
    const auto at = html.find("id=\"" + inputId + "-error\"");
    if (at == std::string::npos) return false;
    const auto end = html.find("</p>", at);
    return html.substr(at, end - at).find(server::escapeHtml(text)) != std::string::npos &&
           contains(html, "id=\"" + inputId + "\" name=") && contains(html, "aria-describedby=\"" + inputId + "-error\"");
}

}  // namespace

TEST_CASE("admin pages: a unit is added, renamed, moved and retired through the forms, with post/redirect/get") {
    AdminBoard board;
    REQUIRE(!board.csrf.empty());
    const std::string units = board.page("/admin/units");
    CHECK(contains(units, "Plejecenter Solhøj"));
    CHECK(contains(units, "href=\"/admin\""));  // the nav's Administration

    auto added = board.form("/admin/units/add", "id=nord&name=Hjemmepleje+Nord&group=&new_group=hjemmeplejen");
    CHECK(added.status == 303);
    CHECK(location(added) == "/admin/units?done=added&unit=nord");
    const std::string after = board.page("/admin/units", "done=added&unit=nord");
    CHECK(contains(after, "Enheden nord er tilføjet."));
    CHECK(contains(after, "Hjemmepleje Nord"));
    CHECK(contains(after, "<option value=\"hjemmeplejen\">hjemmeplejen</option>"));

    CHECK(location(board.form("/admin/unit/change", "id=nord&change=rename&name=Hjemmeplejen+Nord")) == "/admin/unit?id=nord&done=renamed&unit=nord");
    CHECK(location(board.form("/admin/unit/change", "id=vest&change=move&group=hjemmeplejen&new_group=")) == "/admin/unit?id=vest&done=moved&unit=vest");
    const std::string vest = board.page("/admin/unit", "id=vest");
    CHECK(contains(vest, "<option value=\"hjemmeplejen\" selected>"));
    CHECK(contains(board.page("/admin/unit/retire", "id=nord"), "Nedlæg Hjemmeplejen Nord (nord)?"));
    CHECK(location(board.form("/admin/unit/retire", "id=nord")) == "/admin/units?done=retired&unit=nord");

    auto nord = board.central.store->findUnit("nord");
    REQUIRE(nord.ok());
    REQUIRE(*nord);
    CHECK((*nord)->name == "Hjemmeplejen Nord");
    CHECK((*nord)->retired);
    const auto log = auditLog(board.central);
    REQUIRE(log.size() == 4);
    CHECK(std::all_of(log.begin(), log.end(), [](const server::AuditEntry& e) { return e.userName == "anna"; }));
    CHECK(contains(board.page("/audit"), "retire-unit"));
}

TEST_CASE("admin pages: each bad input comes back as the form with a message next to its field") {
    AdminBoard board;
    auto empty = board.form("/admin/units/add", "id=&name=Nord&group=&new_group=");
    CHECK(empty.status == 400);
    CHECK(fieldSays(empty.body, "add-id", "Brug 1-64 tegn"));
    CHECK(contains(empty.body, "value=\"Nord\""));  // what was typed stays

    auto taken = board.form("/admin/units/add", "id=solhoj&name=Nord&group=&new_group=");
    CHECK(taken.status == 400);
    CHECK(fieldSays(taken.body, "add-id", "Id'et solhoj er allerede brugt. Vælg et andet."));

    auto noName = board.form("/admin/units/add", "id=nord&name=+&group=&new_group=");
    CHECK(fieldSays(noName.body, "add-name", "Skriv et navn."));

    auto unknownGroup = board.form("/admin/units/add", "id=nord&name=Nord&group=skoler&new_group=");
    CHECK(unknownGroup.status == 400);
    CHECK(fieldSays(unknownGroup.body, "add-group", "Gruppen skoler findes ikke."));

    auto badNewGroup = board.form("/admin/unit/change", "id=vest&change=move&group=&new_group=a%0Ab");
    CHECK(badNewGroup.status == 400);
    CHECK(fieldSays(badNewGroup.body, "move-new-group", "Gruppens navn må højst være 200 tegn"));

    auto emptyRename = board.form("/admin/unit/change", "id=vest&change=rename&name=");
    CHECK(emptyRename.status == 400);
    CHECK(fieldSays(emptyRename.body, "rename-name", "Skriv et navn."));

    auto badExpiry = board.form("/admin/code", "unit=solhoj&expires=99d");
    CHECK(badExpiry.status == 400);
    CHECK(fieldSays(badExpiry.body, "code-expires", "Vælg 1, 7 eller 30 dage."));

    REQUIRE(board.central.store->retireUnit("vest").ok());
    auto retired = board.form("/admin/code", "unit=vest&expires=7d");
    CHECK(retired.status == 400);
    CHECK(fieldSays(retired.body, "code-unit", "Enheden vest er nedlagt og får ingen nye koder."));

    CHECK(board.form("/admin/unit/change", "id=nowhere&change=rename&name=X").status == 404);
    CHECK(board.get("/admin/units/add", "", board.session).status == 405);
    CHECK(board.form("/admin/kiosks", "").status == 405);
    CHECK(board.form("/admin/kiosk/revoke", "device=nowhere").status == 404);

    // In English too.
    auto english = Board::formPost("/admin/units/add", "csrf=" + server::urlEncode(board.csrf) + "&id=solhoj&name=X");
    english.setHeader("Sec-Fetch-Site", "same-origin");
    english.setHeader("Cookie", std::string(kSessionCookie) + "=" + board.session + "; __Host-svarboks_lang=en");
    CHECK(fieldSays(board.dashboard->handle(english).body, "add-id", "The id solhoj is taken. Choose another."));

    CHECK(board.central.store->units()->size() == 2);
    CHECK(auditLog(board.central).empty());
}

TEST_CASE("admin pages: a code made on one replica has its sheet shown by another (one store, two dashboards)") {
    AdminBoard board;
    auto otherStore = board.central.openAnother();
    REQUIRE(otherStore.ok());
    server::Dashboard other(**otherStore, fastOptions(), board.central.fakeClock.clock(), [](std::chrono::milliseconds) {});
    auto made = board.form("/admin/code", "unit=solhoj&expires=7d");
    REQUIRE(made.status == 303);
    const std::string query = location(made).substr(location(made).find('?') + 1);
    auto request = Board::request("GET", "/admin/code/sheet", query);
    request.setHeader("Cookie", std::string(test::kSessionCookie) + "=" + board.session);
    const auto sheet = other.handle(request);
    REQUIRE(sheet.status == 200);
    CHECK(contains(sheet.body, "<strong class=\"code\" id=\"code\">"));
    CHECK(contains(sheet.body, "Plejecenter Solhøj (solhoj)"));
    CHECK(board.get("/admin/code/sheet", query, board.session).status == 404);  // and once only, whichever replica asks
}

TEST_CASE("admin pages: an enrolment code's printable sheet, the kiosk list and revoking with a confirmation") {
    AdminBoard board;
    const std::string codeForm = board.page("/admin/code", "unit=vest");
    CHECK(contains(codeForm, "<option value=\"vest\" selected>"));

    auto made = board.form("/admin/code", "unit=solhoj&expires=1d");
    REQUIRE(made.status == 303);
    const std::string sheetUrl = location(made);
    REQUIRE(sheetUrl.rfind("/admin/code/sheet?id=", 0) == 0);
    const std::string query = sheetUrl.substr(sheetUrl.find('?') + 1);
    // Only for the session that made it: another administrator gets 404, and asking does not use it up.
    board.addUser("bo", "administrator");
    const std::string bo = board.signInAs("bo");
    CHECK(board.get("/admin/code/sheet", query, bo).status == 404);
    // The store keeps it sealed until it is shown (the code itself only as its hash).
    std::string kept;
    board.central.query("SELECT sealed FROM kept_once", [&](sqlite3_stmt* row) {
        kept.assign(static_cast<const char*>(sqlite3_column_blob(row, 0)), static_cast<std::size_t>(sqlite3_column_bytes(row, 0)));
    });
    REQUIRE(!kept.empty());
    const std::string sheet = board.page("/admin/code/sheet", query);
    const auto codeAt = sheet.find("<strong class=\"code\" id=\"code\">");
    REQUIRE(codeAt != std::string::npos);
    const std::string code = sheet.substr(codeAt + 31, 14);
    CHECK(isEnrolmentCodeShape(code));
    CHECK(contains(sheet, "https://127.0.0.1:8443"));
    CHECK(contains(sheet, "Plejecenter Solhøj (solhoj)"));
    CHECK(contains(sheet, "svarboks enroll " + code + " --endpoint https://127.0.0.1:8443"));
    CHECK(contains(sheet, server::localMinute(board.central.fakeClock.now() + std::chrono::hours(24))));
    if (server::qrMatrix(code)) CHECK(contains(sheet, "<svg class=\"qr\""));
    CHECK_FALSE(contains(auditLog(board.central).front().detail, code));
    CHECK_FALSE(contains(kept, code));
    CHECK_FALSE(contains(kept, "Solhøj"));
    // Shown once: a reload says to make a new code, and the store holds nothing of it any more.
    const auto reload = board.get("/admin/code/sheet", query, board.session);
    CHECK(reload.status == 404);
    CHECK(contains(reload.body, "Lav en ny kode"));
    CHECK(board.central.count("kept_once") == 0);

    // The code enrols a kiosk, which the list then shows; revoking it asks first, then its next sync gets 401.
    auto enrolled = board.central.api->handle(server::HttpRequest::make("POST", "/api/v1/enroll", Central::enrollBody(code, shared::newUuidV4())));
    REQUIRE(enrolled.status == 200);
    const Enrolled kiosk{json::parse(enrolled.body)["device_id"].get<std::string>(), json::parse(enrolled.body)["device_token"].get<std::string>()};
    CHECK(surveyStatus(board.central, kiosk) == 200);
    const std::string kiosks = board.page("/admin/kiosks");
    CHECK(contains(kiosks, kiosk.deviceId));
    CHECK(contains(kiosks, "pulse " + board.central.pulse.version));
    const std::string confirm = board.page("/admin/kiosk/revoke", "id=" + kiosk.deviceId);
    CHECK(contains(confirm, "name=\"device\" value=\"" + kiosk.deviceId + "\""));
    CHECK(surveyStatus(board.central, kiosk) == 200);  // asking changed nothing
    auto revoked = board.form("/admin/kiosk/revoke", "device=" + kiosk.deviceId);
    CHECK(revoked.status == 303);
    CHECK(location(revoked) == "/admin/kiosks?done=revoked&device=" + kiosk.deviceId);
    CHECK(surveyStatus(board.central, kiosk) == 401);
    CHECK(contains(board.page("/admin/kiosks", "done=revoked&device=" + kiosk.deviceId), "Tilbagekaldt"));
    CHECK(auditLog(board.central).front().action == "revoke-kiosk");
}

TEST_CASE("admin pages: a form without this session's CSRF token is refused and changes nothing") {
    AdminBoard board;
    CHECK(board.post("/admin/units/add", "id=nord&name=Nord", board.session).status == 403);
    CHECK(board.post("/admin/units/add", "csrf=wrong&id=nord&name=Nord", board.session).status == 403);
    CHECK(board.post("/admin/units/add", "csrf=" + server::urlEncode(board.csrf) + "&id=nord&name=Nord", board.session, "cross-site").status == 403);
    const Enrolled kiosk = board.central.enrol("solhoj");
    CHECK(board.post("/admin/kiosk/revoke", "device=" + kiosk.deviceId, board.session).status == 403);
    CHECK(surveyStatus(board.central, kiosk) == 200);
    CHECK(board.central.store->units()->size() == 2);
    CHECK(auditLog(board.central).empty());
    // Signed out: to the login page.
    CHECK(location(board.get("/admin/units")).rfind("/login?next=", 0) == 0);
}

TEST_CASE("admin pages: an analyst and a unit leader get 403 on every administrative URL and form") {
    Board board;
    board.addUser("ana", "analyst");
    board.addUser("leo", "unit-leader", {"unit:solhoj"});
    const Enrolled kiosk = board.central.enrol("solhoj");
    // Every path of the area (admin_forms.cpp's list), forms' addresses included.
    const std::vector<std::string> pages = {"/admin",        "/admin/units",  "/admin/units/add",    "/admin/unit", "/admin/unit/change",
                                            "/admin/unit/retire", "/admin/kiosks", "/admin/kiosk/revoke", "/admin/code", "/admin/code/sheet"};
    const std::vector<std::pair<std::string, std::string>> forms = {
        {"/admin/units/add", "id=nord&name=Nord"},
        {"/admin/unit/change", "id=solhoj&change=rename&name=X"},
        {"/admin/unit/change", "id=solhoj&change=move&new_group=x"},
        {"/admin/unit/retire", "id=solhoj"},
        {"/admin/kiosk/revoke", "device=" + kiosk.deviceId},
        {"/admin/code", "unit=solhoj&expires=7d"},
    };
    for (const std::string name : {"ana", "leo"}) {
        CAPTURE(name);
        const std::string session = board.signInAs(name);
        const std::string csrf = csrfOf(board.get("/", "", session).body);
        REQUIRE(!csrf.empty());
        CHECK_FALSE(contains(board.get("/", "", session).body, "href=\"/admin\""));
        for (const auto& path : pages) {
            CAPTURE(path);
            CHECK(board.get(path, "id=solhoj", session).status == 403);
        }
        for (const auto& [path, fields] : forms) {
            CAPTURE(path);
            const auto response = board.post(path, "csrf=" + server::urlEncode(csrf) + "&" + fields, session);
            CHECK(response.status == 403);
            CHECK(response.header("Location").empty());
        }
    }
    auto solhoj = board.central.store->findUnit("solhoj");
    REQUIRE(solhoj.ok());
    CHECK((*solhoj)->name == "Plejecenter Solhøj");
    CHECK_FALSE((*solhoj)->retired);
    CHECK(board.central.store->units()->size() == 2);
    CHECK(surveyStatus(board.central, kiosk) == 200);
    CHECK(auditLog(board.central).empty());
}

}  // namespace svarboks::test
