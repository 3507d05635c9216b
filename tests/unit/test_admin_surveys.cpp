// The survey administration pages through Dashboard::handle (admin_surveys.hpp): a multipart upload with
// its lint problems beside the file field (pointer and line), the draft's preview in both languages, publish
// with its confirmation, the versions and retire, each change audited; and 403 for analysts and unit leaders
// on every one of its URLs, also for a direct post with their own valid CSRF token.
#include "svarboks/server/accounts.hpp"
#include "svarboks/server/dashboard.hpp"
#include "svarboks/server/html.hpp"
#include "svarboks/server/multipart.hpp"
#include "test_server_fixture.hpp"

namespace svarboks::test {
namespace {

using server::HttpRequest;
using server::HttpResponse;

constexpr const char* kSecret = "a long enough password";
constexpr const char* kBoundary = "----svarboksTestBoundary7MA4YWxk";

// A dashboard over the fixture's store and the requests a browser would make to it, one session per account.
class Site {
public:
    Site() {
        server::DashboardOptions options;
        options.accounts.cost = server::PasswordCost::Minimum;
        options.accounts.loginAttemptsPerMinute = 1000;
        options.maxUploadBytes = 64 * 1024;
        dashboard = std::make_unique<server::Dashboard>(*central.store, options, central.fakeClock.clock(), [](std::chrono::milliseconds) {});
        REQUIRE(central.store->addUnit({"nord", "Nord", "pleje"}).ok());
    }

    // Adds an account with this role, signs it in, and returns its session cookie.
    std::string account(const std::string& name, const std::string& role, const std::vector<std::string>& scope = {}) {
        auto hash = server::hashPassword(kSecret, server::PasswordCost::Minimum);
        REQUIRE(hash.ok());
        REQUIRE(central.store->addUser({name, *hash, "2026-11-23", 0, 0, role, scope}).ok());
        const auto reply = send(browser("POST", "/login", "user=" + name + "&password=" + server::urlEncode(kSecret), ""));
        REQUIRE(reply.status == 303);
        for (const auto& [key, value] : reply.headers) {
            if (key == "Set-Cookie" && value.rfind("__Host-svarboks_session=", 0) == 0) return value.substr(24, value.find(';') - 24);
        }
        FAIL("no session cookie");
        return "";
    }

    static HttpRequest browser(const std::string& method, const std::string& target, const std::string& body, const std::string& session,
                               const std::string& contentType = "application/x-www-form-urlencoded") {
        const auto question = target.find('?');
        auto request = HttpRequest::make(method, target.substr(0, question), body);
        if (question != std::string::npos) request.query = server::parseUrlEncoded(target.substr(question + 1));
        if (method == "GET") request.readBody = nullptr;
        request.setHeader("Host", "127.0.0.1:8443");
        request.setHeader("Sec-Fetch-Site", "same-origin");
        if (method == "POST") request.setHeader("Content-Type", contentType);
        if (!session.empty()) request.setHeader("Cookie", "__Host-svarboks_session=" + session);
        return request;
    }
    HttpResponse send(const HttpRequest& request) { return dashboard->handle(request); }
    HttpResponse get(const std::string& target, const std::string& session) { return send(browser("GET", target, "", session)); }
    HttpResponse post(const std::string& path, const std::string& form, const std::string& session) {
        return send(browser("POST", path, form, session));
    }
    // The upload form as a browser posts it: the CSRF token and one file, from a page in `language`.
    HttpResponse upload(const std::string& fileName, const std::string& bytes, const std::string& session, const std::string& csrf,
                        const std::string& language = "da") {
        std::string body = std::string("--") + kBoundary + "\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n" + csrf + "\r\n--" + kBoundary +
                           "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + fileName +
                           "\"\r\nContent-Type: application/json\r\n\r\n" + bytes + "\r\n--" + kBoundary + "--\r\n";
        auto request = browser("POST", "/admin/surveys/upload", body, session, std::string("multipart/form-data; boundary=") + kBoundary);
        request.setHeader("Cookie", "__Host-svarboks_session=" + session + "; __Host-svarboks_lang=" + language);
        return send(request);
    }
    // The CSRF token of a session, as its pages carry it.
    std::string csrf(const std::string& session) {
        const std::string html = get("/surveys", session).body;
        const std::string marker = "name=\"csrf\" value=\"";
        const auto at = html.find(marker);
        REQUIRE(at != std::string::npos);
        return html.substr(at + marker.size(), html.find('"', at + marker.size()) - at - marker.size());
    }

    Central central;
    std::unique_ptr<server::Dashboard> dashboard;
};

std::string pulseAs(const std::string& version) {
    auto survey = json::parse(Central::readFile(Central::pulsePath()));
    survey["surveyVersion"] = version;
    return survey.dump(2);
}

std::string location(const HttpResponse& response) { return response.header("Location"); }

}  // namespace

TEST_CASE("multipart bodies: boundary, fields and files, and what is malformed") {
    CHECK(server::multipartBoundary("multipart/form-data; boundary=abc") == "abc");
    CHECK(server::multipartBoundary("Multipart/Form-Data; charset=x; boundary=\"a b\"") == "a b");
    CHECK(server::multipartBoundary("application/x-www-form-urlencoded").empty());
    CHECK(server::multipartBoundary("multipart/form-data").empty());
    const std::string body = "--b\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\ntok\r\n--b\r\n"
                             "Content-Disposition: form-data; name=\"file\"; filename=\"s.json\"\r\nContent-Type: application/json\r\n\r\n{\"a\":\r\n1}\r\n--b--\r\n";
    auto parts = server::parseMultipart(body, "b");
    REQUIRE(parts.ok());
    REQUIRE(parts->size() == 2);
    CHECK((*parts)[0].name == "csrf");
    CHECK((*parts)[0].bytes == "tok");
    CHECK_FALSE((*parts)[0].fileName.has_value());
    CHECK((*parts)[1].fileName == "s.json");
    CHECK((*parts)[1].bytes == "{\"a\":\r\n1}");
    CHECK((*parts)[1].contentType == "application/json");
    CHECK(server::parseMultipart("--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nno end", "b").error().message.find("closing boundary") !=
          std::string::npos);
    CHECK(server::parseMultipart("garbage", "b").error().message.find("does not start") != std::string::npos);
    CHECK(server::parseMultipart("--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--", "b").error().message.find("no name") != std::string::npos);
}

TEST_CASE("upload -> lint errors beside the field with pointer and line; fixed -> draft, preview, publish with confirmation, retire") {
    Site site;
    const std::string anna = site.account("anna", "administrator");
    const std::string csrf = site.csrf(anna);
    const auto list = site.get("/admin/surveys", anna);
    REQUIRE(list.status == 200);
    CHECK(list.body.find("enctype=\"multipart/form-data\"") != std::string::npos);
    CHECK(list.body.find("pulse") != std::string::npos);  // the fixture's published version
    CHECK(list.body.find(site.central.pulse.definitionSha256) != std::string::npos);
    // In the Administration area's menu, beside units, kiosks and codes, and marked as the page shown.
    CHECK(list.body.find("<a href=\"/admin/units\"") != std::string::npos);
    CHECK(list.body.find("<a href=\"/admin/surveys\" aria-current=\"page\">Spørgeskemaer</a>") != std::string::npos);

    // no file, an empty one, not JSON (line and column), a lint error (pointer and line)
    CHECK(site.upload("", "", anna, csrf).body.find("Vælg en fil at uploade.") != std::string::npos);
    const auto empty = site.upload("empty.json", "", anna, csrf);
    CHECK(empty.status == 422);
    CHECK(empty.body.find("Filen empty.json er tom") != std::string::npos);
    const auto notJson = site.upload("broken.json", "{\n  \"surveyId\": \"pulse\",\n  oops\n}", anna, csrf);
    CHECK(notJson.status == 422);
    CHECK(notJson.body.find("ikke gyldig JSON i linje 3, kolonne") != std::string::npos);  // the lint's words, in the page's language
    auto bad = json::parse(pulseAs("2026.2"));
    bad["pages"][0]["elements"][2]["type"] = "matrix";
    const std::string badText = bad.dump(2);
    const auto linted = site.upload("digital.json", badText, anna, csrf);
    CHECK(linted.status == 422);
    CHECK(linted.body.find("class=\"field-error\"") != std::string::npos);
    CHECK(linted.body.find("digital.json har 1 fejl") != std::string::npos);
    const std::string before = badText.substr(0, badText.find("\"matrix\""));
    const std::string line = "linje " + std::to_string(std::count(before.begin(), before.end(), '\n') + 1) + " · /pages/0/elements/2/type";
    CHECK_MESSAGE(linted.body.find(line) != std::string::npos, line);
    CHECK(linted.body.find("elementtypen &#39;matrix&#39;: matrix-spørgsmål understøttes ikke") != std::string::npos);
    CHECK(linted.body.find("not supported") == std::string::npos);
    // The same upload from the English page: the same problem in English.
    const auto lintedEnglish = site.upload("digital.json", badText, anna, csrf, "en");
    CHECK(lintedEnglish.status == 422);
    CHECK(lintedEnglish.body.find("element type &#39;matrix&#39;: matrix questions are not supported") != std::string::npos);
    CHECK(lintedEnglish.body.find("understøttes") == std::string::npos);
    CHECK(site.central.store->drafts()->empty());

    // too large: 413 with the message beside the field
    const auto large = site.upload("big.json", std::string(70 * 1024, ' '), anna, csrf);
    CHECK(large.status == 413);
    CHECK(large.body.find("Filen er større end") != std::string::npos);
    // a wrong CSRF token
    CHECK(site.upload("pulse.json", pulseAs("2026.2"), anna, "forged").status == 403);

    // the fixed file becomes a draft; its preview shows every screen in both languages
    const auto uploaded = site.upload("pulse.json", pulseAs("2026.2"), anna, csrf);
    REQUIRE(uploaded.status == 303);
    const std::string draftUrl = location(uploaded);
    REQUIRE(draftUrl.rfind("/admin/surveys/draft?id=", 0) == 0);
    const std::string draftId = draftUrl.substr(draftUrl.find('=') + 1);
    const auto danish = site.get(draftUrl, anna);
    REQUIRE(danish.status == 200);
    CHECK(danish.body.find("Skærm 1</span> <span class=\"screen-kind\">Velkomst") != std::string::npos);  // in the kiosk's order
    CHECK(danish.body.find("Skærm 2</span> <span class=\"screen-kind\">Samtykke") != std::string::npos);
    CHECK(danish.body.find("Jeg vil gerne svare") != std::string::npos);          // the consent screen's button
    CHECK(danish.body.find("Digital puls") != std::string::npos);                 // the title in Danish
    CHECK(danish.body.find("Vises når: {used_tools} = true") != std::string::npos);  // a branch, marked
    CHECK(danish.body.find("Din digitale profil") != std::string::npos);
    const auto english = site.get(draftUrl + "&lang=en", anna);
    CHECK(english.body.find("I want to take part") != std::string::npos);
    CHECK(english.body.find("Digital pulse") != std::string::npos);
    // nothing is published yet: kiosks still get 2026.1
    CHECK((*site.central.store->currentSurvey("solhoj"))->version == "2026.1");

    // publish: no target -> the message beside the field; then a confirmation; then published
    const auto none = site.post("/admin/surveys/publish", "csrf=" + csrf + "&draft=" + draftId + "&target=chosen", anna);
    CHECK(none.status == 422);
    CHECK(none.body.find("Vælg alle enheder, eller mindst én gruppe eller enhed.") != std::string::npos);
    const std::string form = "csrf=" + csrf + "&draft=" + draftId + "&target=chosen&group=pleje&unit=vest";
    const auto confirm = site.post("/admin/surveys/publish", form, anna);
    CHECK(confirm.status == 200);
    CHECK(confirm.body.find("Udgive pulse 2026.2?") != std::string::npos);
    CHECK(confirm.body.find("name=\"confirmed\" value=\"1\"") != std::string::npos);
    CHECK(site.central.store->drafts()->size() == 1);
    const auto published = site.post("/admin/surveys/publish", form + "&confirmed=1", anna);
    REQUIRE(published.status == 303);
    CHECK(location(published).find("done=published") != std::string::npos);
    CHECK((*site.central.store->currentSurvey("vest"))->version == "2026.2");
    CHECK((*site.central.store->currentSurvey("nord"))->version == "2026.2");
    CHECK((*site.central.store->currentSurvey("solhoj"))->version == "2026.1");
    CHECK(site.central.store->drafts()->empty());
    const auto after = site.get(location(published), anna);
    CHECK(after.body.find("pulse 2026.2 er udgivet til: gruppe pleje, enhed vest.") != std::string::npos);

    // retire, after its confirmation
    const auto ask = site.post("/admin/surveys/retire", "csrf=" + csrf + "&survey=pulse&version=2026.2", anna);
    CHECK(ask.body.find("Trække pulse 2026.2 tilbage?") != std::string::npos);
    CHECK((*site.central.store->currentSurvey("vest"))->version == "2026.2");
    const auto retired = site.post("/admin/surveys/retire", "csrf=" + csrf + "&survey=pulse&version=2026.2&confirmed=1", anna);
    REQUIRE(retired.status == 303);
    CHECK_FALSE(site.central.store->currentSurvey("vest")->has_value());
    CHECK(site.get("/admin/surveys", anna).body.find("trukket tilbage 2026-11-23") != std::string::npos);

    // discard a draft
    const std::string third = location(site.upload("pulse3.json", pulseAs("2026.3"), anna, csrf));
    const auto discarded = site.post("/admin/surveys/discard", "csrf=" + csrf + "&draft=" + third.substr(third.find('=') + 1), anna);
    CHECK(discarded.status == 303);
    CHECK(site.central.store->drafts()->empty());
    CHECK(site.get(third, anna).status == 404);

    std::vector<std::string> actions;
    const auto audit = site.central.store->audit(20);
    REQUIRE(audit.ok());
    for (const auto& entry : *audit) {
        if (entry.userName == "anna") actions.push_back(entry.action);
    }
    CHECK(actions == std::vector<std::string>{"survey-discard", "survey-upload", "survey-retire", "survey-publish", "survey-upload"});
}

TEST_CASE("analysts and unit leaders get 403 on every survey administration URL, also posting with their own CSRF token") {
    Site site;
    const std::string anna = site.account("anna", "administrator");
    const std::string annaCsrf = site.csrf(anna);
    const std::string draft = location(site.upload("pulse.json", pulseAs("2026.2"), anna, annaCsrf));
    const std::string draftId = draft.substr(draft.find('=') + 1);
    const std::size_t auditBefore = site.central.store->audit(100)->size();

    for (const auto& [name, role, scope] : {std::tuple<std::string, std::string, std::vector<std::string>>{"ali", "analyst", {}},
                                            {"lea", "unit-leader", {"unit:solhoj"}}}) {
        CAPTURE(role);
        const std::string session = site.account(name, role, scope);
        const std::string csrf = site.csrf(session);
        CHECK(site.get("/admin/surveys", session).status == 403);
        CHECK(site.get(draft, session).status == 403);
        CHECK(site.get("/surveys", session).body.find("/admin/surveys") == std::string::npos);
        CHECK(site.upload("pulse.json", pulseAs("2026.5"), session, csrf).status == 403);
        CHECK(site.post("/admin/surveys/publish", "csrf=" + csrf + "&draft=" + draftId + "&target=all&confirmed=1", session).status == 403);
        CHECK(site.post("/admin/surveys/discard", "csrf=" + csrf + "&draft=" + draftId, session).status == 403);
        CHECK(site.post("/admin/surveys/retire", "csrf=" + csrf + "&survey=pulse&version=2026.1&confirmed=1", session).status == 403);
    }
    CHECK(site.central.store->drafts()->size() == 1);
    CHECK((*site.central.store->currentSurvey("solhoj"))->version == "2026.1");
    CHECK(site.central.store->audit(100)->size() == auditBefore);
    // signed out: to the login page
    CHECK(site.get("/admin/surveys", "").status == 303);
    CHECK(site.post("/admin/surveys/publish", "draft=" + draftId + "&target=all&confirmed=1", "").status == 303);
}

}  // namespace svarboks::test
