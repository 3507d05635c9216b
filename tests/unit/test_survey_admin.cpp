// Survey administration (survey_admin.hpp) on a real store: drafts, publishing to every unit, groups and
// units, retiring, and what a kiosk then gets from GET /api/v1/survey through server::Api; and the JSON
// pointer -> line mapping the lint messages use.
#include "svarboks/server/json_lines.hpp"
#include "svarboks/server/survey_admin.hpp"
#include "test_server_fixture.hpp"

namespace {

using namespace svarboks;
using svarboks::test::Central;
using svarboks::test::Enrolled;
using nlohmann::json;

// The version of the survey a device gets, or "" for a 404 (no survey assigned).
std::string servedVersion(Central& central, const Enrolled& device) {
    const auto response = central.api->handle(server::HttpRequest::make("GET", "/api/v1/survey", "", device.bearer()));
    if (response.status == 404) return "";
    REQUIRE(response.status == 200);
    return json::parse(response.body)["survey"]["surveyVersion"].get<std::string>();
}

// pulse.json as another version (so that it may be published beside 2026.1), pretty-printed.
std::string pulseVersion(const std::string& version) {
    auto survey = json::parse(Central::readFile(Central::pulsePath()));
    survey["surveyVersion"] = version;
    return survey.dump(2);
}

std::string uploadDraft(server::SurveyAdmin& admin, const std::string& bytes) {
    auto outcome = admin.upload("pulse.json", bytes, "mette");
    REQUIRE(outcome.ok());
    REQUIRE_MESSAGE(outcome->draft.has_value(), (outcome->problems.empty() ? "" : outcome->problems.front().message));
    return outcome->draft->id;
}

}  // namespace

TEST_CASE("JsonLines: the line of each pointer, a member at its key, a missing one at its parent") {
    const std::string text = "{\n  \"a\": 1,\n  \"list\": [\n    {\"x\": true},\n    \"two\"\n  ],\n  \"odd/key~\":\n    \"v\"\n}\n";
    const server::JsonLines lines(text);
    CHECK(lines.lineOf("") == 1);
    CHECK(lines.lineOf("/a") == 2);
    CHECK(lines.lineOf("/list") == 3);
    CHECK(lines.lineOf("/list/0") == 4);
    CHECK(lines.lineOf("/list/0/x") == 4);
    CHECK(lines.lineOf("/list/1") == 5);
    CHECK(lines.lineOf("/odd~1key~0") == 7);
    CHECK(lines.lineOf("/list/0/missing") == 4);  // a property that is not there: its object
    CHECK(lines.lineOf("/nothing/at/all") == 1);
    // a string with an escaped quote and a key with a unicode escape
    const server::JsonLines escaped("{\"s\": \"a\\\"b\",\n\"\\u00e6\": [1,\n2]}");
    CHECK(escaped.lineOf("/\u00e6/1") == 3);
    CHECK(server::JsonLines("").lineOf("/a") == 0);
    CHECK(server::JsonLines("{\"a\": 1,\n\"b\": ").lineOf("/a") == 1);  // not JSON: what came before the error
}

TEST_CASE("an upload with lint errors is no draft; its problems have pointers and lines") {
    Central central;
    server::SurveyAdmin admin(*central.store, central.fakeClock.clock());
    auto survey = json::parse(pulseVersion("2026.2"));
    survey["pages"][0]["elements"][2]["type"] = "matrix";
    const std::string bytes = survey.dump(2);
    auto outcome = admin.upload("../../etc/bad.json", bytes, "mette");
    REQUIRE(outcome.ok());
    CHECK_FALSE(outcome->draft.has_value());
    REQUIRE(outcome->errorCount() >= 1);
    const auto& problem = outcome->problems.front();
    CHECK(problem.pointer == "/pages/0/elements/2/type");
    // the line where "type" of that element is written in the pretty-printed file
    const std::string before = bytes.substr(0, bytes.find("\"matrix\""));
    CHECK(problem.line == static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n') + 1));
    CHECK(admin.drafts()->empty());

    auto notJson = admin.upload("x.json", "{\"surveyId\": \n oops", "mette");
    REQUIRE(notJson.ok());
    REQUIRE(notJson->problems.size() == 1);
    CHECK(notJson->problems.front().message.find("line 2, column") != std::string::npos);
}

TEST_CASE("a draft: stored, listed, reviewed, discarded; nothing reaches a kiosk until it is published; audited") {
    Central central;
    const Enrolled kiosk = central.enrol("solhoj");
    server::SurveyAdmin admin(*central.store, central.fakeClock.clock());
    const std::string id = uploadDraft(admin, pulseVersion("2026.2"));
    CHECK(id.size() == 16);
    auto drafts = admin.drafts();
    REQUIRE(drafts->size() == 1);
    CHECK(drafts->front().surveyId == "pulse");
    CHECK(drafts->front().version == "2026.2");
    CHECK(drafts->front().uploadedBy == "mette");
    CHECK(drafts->front().source.empty());
    auto review = admin.review(id);
    REQUIRE(review.ok());
    REQUIRE(review->has_value());
    CHECK((*review)->survey.version == "2026.2");
    CHECK(servedVersion(central, kiosk) == "2026.1");

    CHECK(admin.discard(id, "mette").ok());
    CHECK(admin.drafts()->empty());
    CHECK_FALSE(admin.review(id)->has_value());
    CHECK(admin.discard(id, "mette").message().find("no draft") != std::string::npos);
    const auto audit = *central.store->audit(10);
    REQUIRE(audit.size() == 2);
    CHECK(audit[0].action == "survey-discard");
    CHECK(audit[1].action == "survey-upload");
    CHECK(audit[1].userName == "mette");
}

TEST_CASE("publish to a group, to units, to every unit: each kiosk gets what its unit is given") {
    Central central;
    REQUIRE(central.store->addUnit({"nord", "Nord", "pleje"}).ok());
    REQUIRE(central.store->setUnitGroup("solhoj", "pleje").ok());
    const Enrolled solhoj = central.enrol("solhoj");
    const Enrolled vest = central.enrol("vest");
    const Enrolled nord = central.enrol("nord");
    server::SurveyAdmin admin(*central.store, central.fakeClock.clock());
    CHECK(servedVersion(central, vest).empty());
    CHECK(servedVersion(central, nord).empty());

    // refused, with nothing published: no target, an unknown unit, a group without units
    const std::string draft = uploadDraft(admin, pulseVersion("2026.2"));
    CHECK(admin.publish(draft, {}, "mette").error().message.find("choose where") != std::string::npos);
    CHECK(admin.publish(draft, {false, {"pleje"}, {"nowhere"}}, "mette").error().message.find("no unit 'nowhere'") != std::string::npos);
    CHECK(admin.publish(draft, {false, {"empty"}, {}}, "mette").error().message.find("no unit in group 'empty'") != std::string::npos);
    CHECK(admin.versions()->size() == 1);
    CHECK(servedVersion(central, nord).empty());

    auto published = admin.publish(draft, {false, {"pleje"}, {}}, "mette");
    REQUIRE_MESSAGE(published.ok(), (published.ok() ? "" : published.error().message));
    CHECK(admin.drafts()->empty());  // published: no longer a draft
    CHECK(servedVersion(central, solhoj) == "2026.2");
    CHECK(servedVersion(central, nord) == "2026.2");
    CHECK(servedVersion(central, vest).empty());
    // a unit moved into the group later gets the group's survey
    REQUIRE(central.store->setUnitGroup("vest", "pleje").ok());
    CHECK(servedVersion(central, vest) == "2026.2");
    REQUIRE(central.store->setUnitGroup("vest", "").ok());

    const std::string third = uploadDraft(admin, pulseVersion("2026.3"));
    REQUIRE(admin.publish(third, {false, {}, {"vest", "nord"}}, "mette").ok());
    CHECK(servedVersion(central, vest) == "2026.3");
    CHECK(servedVersion(central, nord) == "2026.3");
    CHECK(servedVersion(central, solhoj) == "2026.2");

    const std::string fourth = uploadDraft(admin, pulseVersion("2026.4"));
    REQUIRE(admin.publish(fourth, {true, {}, {}}, "mette").ok());
    for (const auto* device : {&solhoj, &vest, &nord}) CHECK(servedVersion(central, *device) == "2026.4");

    auto versions = admin.versions();
    REQUIRE(versions->size() == 4);
    const auto& second = (*versions)[1];
    CHECK(second.published.version == "2026.2");
    CHECK(second.published.groups == std::vector<std::string>{"pleje"});
    CHECK(second.published.units.empty());
    CHECK(second.published.consentSha256 == central.pulse.consentSha256);
    CHECK(second.consent.text("da").find("digitale værktøjer") != std::string::npos);
    CHECK((*versions)[2].published.units == std::vector<std::string>{"vest", "nord"});
    CHECK((*versions)[3].published.units == std::vector<std::string>{server::kAllUnits});
    CHECK(central.store->audit(1)->front().detail == "pulse 2026.4 to every unit");
}

TEST_CASE("retire: kiosks stop getting the version; its responses stay, count, and may still arrive") {
    Central central;
    const Enrolled kiosk = central.enrol("solhoj");
    server::SurveyAdmin admin(*central.store, central.fakeClock.clock());
    const std::string bytes = pulseVersion("2026.2");
    REQUIRE(admin.publish(uploadDraft(admin, bytes), {false, {}, {"solhoj"}}, "mette").ok());
    CHECK(servedVersion(central, kiosk) == "2026.2");
    const auto second = *shared::parseSurvey(bytes, "second").survey;
    const auto sealedBefore = central.seal(Central::payloadFor(second, test::validPulseAnswers()));
    REQUIRE(central.postBatch(kiosk, Central::batchBody({{shared::newUuidV4(), sealedBefore}})).status == 200);
    CHECK(*central.store->responseCount() == 1);

    REQUIRE(admin.retire("pulse", "2026.2", "mette").ok());
    CHECK(servedVersion(central, kiosk) == "2026.1");  // back to the unit's latest other publication
    CHECK(*central.store->responseCount() == 1);
    CHECK(*central.store->countResponses({"pulse", "2026.2", ""}) == 1);
    // an answer given on the kiosk before it took the change is still accepted
    const auto late = central.postBatch(kiosk, Central::batchBody({{shared::newUuidV4(), central.seal(Central::payloadFor(second, test::validPulseAnswers()))}}));
    CHECK(json::parse(late.body)["results"][0]["status"] == "accepted");
    auto versions = admin.versions();
    CHECK((*versions)[1].published.retired());
    CHECK((*versions)[1].published.retiredOn == "2026-11-23");
    CHECK(admin.retire("pulse", "2026.2", "mette").ok());  // twice is not an error
    CHECK(admin.retire("pulse", "1999.1", "mette").message().find("not published") != std::string::npos);

    REQUIRE(admin.retire("pulse", "2026.1", "mette").ok());
    CHECK(servedVersion(central, kiosk).empty());
    CHECK(central.store->audit(1)->front().action == "survey-retire");
}
