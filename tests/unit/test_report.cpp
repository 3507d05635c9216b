// Reports: figures from the tallies of released rounds, the rules of rounds (no report before a release, a
// released round frozen against late answers, moved units and a raised k, no shared weeks), and the anonymity
// rules (report.hpp, rounds.hpp, suppression.hpp). The last cases prove by brute force, on many small generated
// stores, that no hidden figure can be worked out from what one report shows; test_disclosure.cpp extends the
// proof to every table a user can obtain and to a store growing while they watch.
#include "svarboks/server/admin.hpp"
#include "svarboks/server/export.hpp"
#include "svarboks/server/report.hpp"
#include "svarboks/server/rounds.hpp"
#include "svarboks/server/sqlite_storage.hpp"
#include "svarboks/server/suppression.hpp"
#include "svarboks/server/tally.hpp"
#include "svarboks/shared/hashing.hpp"
#include "test_helpers.hpp"
#include "test_server_fixture.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <tuple>

namespace svarboks::test {
namespace {

using server::Hidden;
using server::ReportRow;

// Two areas, two levels, a branch (q2 only when q1 >= 3) and a checkbox.
json miniSurvey(const std::string& version = "1") {
    json definition = surveyWith({{{"type", "radiogroup"}, {"name", "q1"}, {"competence", "1"}, {"choices", {1, 2, 3, 4}}},
                                  {{"type", "radiogroup"}, {"name", "q2"}, {"competence", "2"}, {"visibleIf", "{q1} >= 3"}, {"choices", {1, 2}}},
                                  {{"type", "checkbox"}, {"name", "q3"}, {"choices", {"mail", "chat"}}},
                                  {{"type", "text"}, {"inputType", "number"}, {"name", "years"}}});
    definition["surveyId"] = "mini";
    definition["surveyVersion"] = version;
    const auto both = [](const char* da, const char* en) { return json{{"da", da}, {"en", en}}; };
    definition["scoring"] = {{"areas", {{{"id", "a"}, {"title", both("Område A", "Area A")}, {"competences", {"1"}}},
                                        {{"id", "b"}, {"title", both("Område B", "Area B")}, {"competences", {"2"}}}}},
                             {"levels", {{{"id", "low"}, {"min", 0}, {"title", both("Lav", "Low")}},
                                         {{"id", "high"}, {"min", 0.5}, {"title", both("Høj", "High")}}}}};
    return definition;
}

struct ReportStore {
    ServerTempDir dir;
    std::unique_ptr<test::TestDatabase> database;  // on PostgreSQL only; outlives the store
    std::unique_ptr<server::Storage> store;
    shared::Survey survey;
    int next = 0;

    explicit ReportStore(const json& definition = miniSurvey()) : survey(mustLoad(definition)) {
        fs::create_directories(dir.path());
        store = test::openTestStore(dir.path() / "central.db", database);
        publish(definition);
    }
    void publish(const json& definition) {
        const shared::Survey loaded = mustLoad(definition);
        server::PublishedSurvey published{loaded.id, loaded.version, shared::canonicalDefinition(definition), loaded.definitionSha256,
                                          loaded.consentSha256, {}};
        REQUIRE(store->publishSurvey(published, server::kAllUnits).ok());
    }
    void unit(const std::string& id, const std::string& group = "") { REQUIRE(store->addUnit({id, "Unit " + id, group}).ok()); }
    // A response to `as` (default: the survey), as ingest makes it from a sealed item, with the next id.
    server::IncomingItem item(const std::string& unit, const std::string& period, const json& answers, const shared::Survey* as = nullptr) {
        const shared::Survey& s = as != nullptr ? *as : survey;
        char id[40];
        std::snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d", next++);
        server::IncomingItem item;
        item.id = id;
        item.sealed = id;
        item.sealedSha256 = shared::sha256Hex(std::string(id));
        item.response = server::StoredResponse{id, unit, s.id, s.version, period, "da", answers.dump(), ""};
        item.tallies = server::responseTallies(s, answers);
        return item;
    }
    std::vector<shared::BatchResult> storeBatch(const std::vector<server::IncomingItem>& items) {
        auto stored = store->storeItems(items, "2026-W49");
        INFO((stored.ok() ? std::string() : stored.error().message));
        REQUIRE(stored.ok());
        std::vector<shared::BatchResult> results;
        for (auto& item : *stored) results.push_back(std::move(item.result));
        return results;
    }
    void respond(const std::string& unit, const std::string& period, const json& answers, const shared::Survey* as = nullptr) {
        REQUIRE(storeBatch({item(unit, period, answers, as)}).front().status == shared::ItemStatus::Accepted);
    }
    // Adds a round and releases it at once, as `rounds add` and `rounds release --early` do (the tallies
    // rebuilt first when stale). Returns the number of responses frozen into it.
    std::int64_t release(const std::string& id, const std::string& from, const std::string& to) {
        const auto added = server::addRound(*store, {id, from, to, ""});
        INFO((added.ok() ? std::string() : added.message()));
        REQUIRE(added.ok());
        auto released = server::releaseRound(*store, id, std::chrono::system_clock::now(), true);
        INFO((released.ok() ? std::string() : released.error().message));
        REQUIRE(released.ok());
        return released->responses;
    }
    // The cases that are not about rounds report one round over every week they use: released the first time
    // a report is asked for, so responses stored before then are all in it.
    void releaseOnce() {
        auto rounds = store->rounds();
        REQUIRE(rounds.ok());
        if (rounds->empty()) release("all", kFirstWeek, kLastWeek);
    }
    server::Report report(server::ReportRequest request = {}) {
        releaseOnce();
        auto built = server::buildReport(*store, request);
        INFO((built.ok() ? std::string() : built.error().message));
        REQUIRE(built.ok());
        return *built;
    }
    static constexpr const char* kFirstWeek = "2026-W01";
    static constexpr const char* kLastWeek = "2026-W53";
};

// A request with some fields set (designated initializers would leave the others unnamed).
server::ReportRequest ask(const std::function<void(server::ReportRequest&)>& set) {
    server::ReportRequest request;
    set(request);
    return request;
}

const ReportRow& unitRow(const server::Report& report, const std::string& id) {
    const ReportRow* row = report.find(ReportRow::Kind::Unit, id);
    REQUIRE(row != nullptr);
    return *row;
}

// Every figure of two reports of the same rows is the same (`exact`: to the last bit of every mean, as a
// report read twice from the same frozen tallies is; else the means within rounding, as tallies added up in
// another order give).
void checkSameFigures(const server::Report& a, const server::Report& b, bool exact = false) {
    REQUIRE(a.rows.size() == b.rows.size());
    CHECK(a.weeks == b.weeks);
    CHECK(a.k == b.k);
    CHECK(a.round.id == b.round.id);
    const auto same = [](const server::Count& x, const server::Count& y) { return x.hidden == y.hidden && x.value == y.value; };
    for (std::size_t r = 0; r < a.rows.size(); ++r) {
        CAPTURE(a.rows[r].id);
        CHECK(a.rows[r].id == b.rows[r].id);
        CHECK(a.rows[r].group == b.rows[r].group);
        CHECK(same(a.rows[r].respondents, b.rows[r].respondents));
        REQUIRE(a.rows[r].areas.size() == b.rows[r].areas.size());
        for (std::size_t i = 0; i < a.rows[r].areas.size(); ++i) {
            CHECK(same(a.rows[r].areas[i].respondents, b.rows[r].areas[i].respondents));
            CHECK(a.rows[r].areas[i].levels == b.rows[r].areas[i].levels);
            if (exact) CHECK(a.rows[r].areas[i].meanScore == b.rows[r].areas[i].meanScore);
            else CHECK(a.rows[r].areas[i].meanScore.value_or(-1) == doctest::Approx(b.rows[r].areas[i].meanScore.value_or(-1)));
        }
        REQUIRE(a.rows[r].questions.size() == b.rows[r].questions.size());
        for (std::size_t q = 0; q < a.rows[r].questions.size(); ++q) {
            CHECK(same(a.rows[r].questions[q].respondents, b.rows[r].questions[q].respondents));
            CHECK(a.rows[r].questions[q].choices == b.rows[r].questions[q].choices);
        }
        REQUIRE(a.rows[r].weeks.size() == b.rows[r].weeks.size());
        for (std::size_t w = 0; w < a.rows[r].weeks.size(); ++w) CHECK(same(a.rows[r].weeks[w], b.rows[r].weeks[w]));
    }
}

// Random answers to the mini survey, as the kiosk would take them (q2 only when q1 >= 3).
json randomAnswers(std::mt19937& random) {
    const int q1 = 1 + static_cast<int>(random() % 4);
    json answers = {{"q1", q1}, {"q3", random() % 2 == 0 ? json{"mail"} : json{"mail", "chat"}}};
    if (q1 >= 3) answers["q2"] = 1 + static_cast<int>(random() % 2);
    if (random() % 3 == 0) answers["years"] = static_cast<int>(random() % 40);
    return answers;
}

TEST_CASE("report: respondents, area means, levels and answer counts equal a count by hand") {
    ReportStore s;
    s.unit("solhoj");
    for (int i = 0; i < 6; ++i) s.respond("solhoj", "2026-W47", {{"q1", 4}, {"q2", 1}, {"q3", {"mail", "chat"}}});
    for (int i = 0; i < 4; ++i) s.respond("solhoj", "2026-W48", {{"q1", 1}, {"q3", {"chat"}}, {"years", 7}});
    const auto report = s.report(ask([](server::ReportRequest& r) { r.questions = true; }));

    const ReportRow& total = report.rows.front();
    CHECK(total.kind == ReportRow::Kind::Total);
    CHECK(total.respondents.shown());
    CHECK(total.respondents.value == 10);
    const ReportRow& unit = unitRow(report, "solhoj");
    CHECK(unit.respondents.value == 10);
    // Area a: 6 x score 1.0 (q1 = 4 of 1..4) and 4 x 0.0: mean 0.6; levels high 6, low 4.
    REQUIRE(unit.areas.size() == 2);
    CHECK(unit.areas[0].respondents.value == 10);
    CHECK(*unit.areas[0].meanScore == doctest::Approx(0.6));
    CHECK(unit.areas[0].levels == std::vector<std::int64_t>{4, 6});
    // Area b: only the 6 who saw q2, all at its lowest option.
    CHECK(unit.areas[1].respondents.value == 6);
    CHECK(*unit.areas[1].meanScore == doctest::Approx(0.0));
    // Questions: q1, q2, q3 (the number question is never distributed).
    REQUIRE(report.survey.questions.size() == 3);
    CHECK(report.survey.questions[2].multiple);
    CHECK(unit.questions[0].choices == std::vector<std::int64_t>{4, 0, 0, 6});
    CHECK(unit.questions[1].respondents.value == 6);
    CHECK(unit.questions[2].choices == std::vector<std::int64_t>{6, 10});
}

TEST_CASE("report: a unit with fewer than k respondents shows no figure, and a second unit hides it from the total") {
    ReportStore s;
    s.unit("big");
    s.unit("mid");
    s.unit("small");
    for (int i = 0; i < 9; ++i) s.respond("big", "2026-W47", {{"q1", 3}, {"q2", 2}});
    for (int i = 0; i < 6; ++i) s.respond("mid", "2026-W47", {{"q1", 2}});
    for (int i = 0; i < 2; ++i) s.respond("small", "2026-W47", {{"q1", 1}});
    const auto report = s.report(ask([](server::ReportRequest& r) { r.weeks = true; r.questions = true; }));

    const ReportRow& small = unitRow(report, "small");
    CHECK(small.respondents.hidden == Hidden::FewerThanK);
    CHECK(small.respondents.value == 0);
    for (const auto& area : small.areas) {
        CHECK_FALSE(area.respondents.shown());
        CHECK_FALSE(area.meanScore.has_value());
        CHECK(area.levels.empty());
    }
    for (const auto& question : small.questions) CHECK(question.choices.empty());
    for (const auto& week : small.weeks) CHECK_FALSE(week.shown());
    // The total is shown, so one more unit must be hidden: the smaller of the others.
    CHECK(report.rows.front().respondents.value == 17);
    CHECK(unitRow(report, "mid").respondents.hidden == Hidden::Secondary);
    CHECK(unitRow(report, "big").respondents.value == 9);
}

TEST_CASE("report: groups add up their units, and a group total cannot give a hidden unit away") {
    ReportStore s;
    s.unit("nord-1", "hjemmeplejen");
    s.unit("nord-2", "hjemmeplejen");
    s.unit("skole", "skoler");
    for (int i = 0; i < 7; ++i) s.respond("nord-1", "2026-W47", {{"q1", 2}});
    for (int i = 0; i < 3; ++i) s.respond("nord-2", "2026-W47", {{"q1", 2}});
    for (int i = 0; i < 12; ++i) s.respond("skole", "2026-W47", {{"q1", 4}, {"q2", 2}});
    const auto report = s.report();
    const ReportRow* group = report.find(ReportRow::Kind::Group, "hjemmeplejen");
    REQUIRE(group != nullptr);
    CHECK(unitRow(report, "nord-2").respondents.hidden == Hidden::FewerThanK);
    // nord-1 = group - nord-2 would give nord-2 away unless one of them is hidden as well.
    CHECK((!group->respondents.shown() || !unitRow(report, "nord-1").respondents.shown()));
}

TEST_CASE("report: a branch question answered by few is hidden while the rest of the unit shows") {
    ReportStore s;
    s.unit("u1");
    s.unit("u2");
    for (int i = 0; i < 8; ++i) s.respond("u1", "2026-W47", {{"q1", 1}});
    for (int i = 0; i < 2; ++i) s.respond("u1", "2026-W47", {{"q1", 4}, {"q2", 1}});
    for (int i = 0; i < 9; ++i) s.respond("u2", "2026-W47", {{"q1", 4}, {"q2", 2}});
    const auto report = s.report(ask([](server::ReportRequest& r) { r.questions = true; }));
    const ReportRow& u1 = unitRow(report, "u1");
    CHECK(u1.respondents.value == 10);
    CHECK(u1.questions[1].respondents.hidden == Hidden::FewerThanK);
    CHECK(u1.areas[1].respondents.hidden == Hidden::FewerThanK);
    // u2's q2 = total's q2 - u1's q2: so u2's or the total's q2 is hidden too.
    CHECK((!unitRow(report, "u2").questions[1].respondents.shown() || !report.rows.front().questions[1].respondents.shown()));
}

// The error of a request that is refused.
std::string refusal(ReportStore& s, const server::ReportRequest& request) {
    auto built = server::buildReport(*s.store, request);
    REQUIRE_FALSE(built.ok());
    return built.error().message;
}

TEST_CASE("report: bad requests say what is wrong") {
    ReportStore s;
    s.unit("u1");
    s.releaseOnce();
    CHECK(refusal(s, ask([](server::ReportRequest& r) { r.surveyId = "nope"; })).find("not published (published: mini)") != std::string::npos);
    CHECK(refusal(s, ask([](server::ReportRequest& r) { r.surveyId = "mini"; r.version = "9"; })).find("no published version '9' (published: 1)") !=
          std::string::npos);
    s.publish([] {
        json other = miniSurvey();
        other["surveyId"] = "other";
        return other;
    }());
    CHECK(refusal(s, {}).find("several surveys are published") != std::string::npos);
}

// ---- reporting rounds ----

TEST_CASE("report: before any round is released there is no report, and the error says what to do") {
    ReportStore s;
    s.unit("u1");
    for (int i = 0; i < 7; ++i) s.respond("u1", "2026-W10", {{"q1", 2}});
    const std::string error = refusal(s, {});
    CHECK(error.find("no round has been released yet") != std::string::npos);
    CHECK(error.find("rounds add") != std::string::npos);
    CHECK(error.find("rounds release") != std::string::npos);
    // A round that is added but not released is no different.
    REQUIRE(server::addRound(*s.store, {"2026-h1", "2026-W02", "2026-W24", ""}).ok());
    CHECK(refusal(s, {}).find("no round has been released yet") != std::string::npos);
    CHECK(refusal(s, ask([](server::ReportRequest& r) { r.round = "2026-h1"; })).find("no round has been released yet") != std::string::npos);
    // Nor is the export: record-level data exists only for released rounds as well.
    std::string written;
    const auto exported = server::exportResponses(*s.store, server::ExportOptions{}, [&](std::string_view chunk) {
        written += chunk;
        return true;
    });
    REQUIRE_FALSE(exported.ok());
    CHECK(exported.error().message.find("no round has been released yet") != std::string::npos);
    CHECK(written.empty());
}

TEST_CASE("report: a round that is unknown or not released is an error listing the released ones; by default the latest") {
    ReportStore s;
    s.unit("u1");
    for (int i = 0; i < 6; ++i) s.respond("u1", "2026-W03", {{"q1", 1}});
    for (int i = 0; i < 8; ++i) s.respond("u1", "2026-W30", {{"q1", 1}});
    for (int i = 0; i < 9; ++i) s.respond("u1", "2026-W45", {{"q1", 1}});
    CHECK(s.release("2026-h1", "2026-W01", "2026-W26") == 6);
    CHECK(s.release("2026-q3", "2026-W27", "2026-W39") == 8);
    REQUIRE(server::addRound(*s.store, {"2026-q4", "2026-W40", "2026-W52", ""}).ok());
    const std::string unreleased = refusal(s, ask([](server::ReportRequest& r) { r.round = "2026-q4"; }));
    CHECK(unreleased.find("round '2026-q4' is not a released round (released: 2026-h1, 2026-q3)") != std::string::npos);
    CHECK(refusal(s, ask([](server::ReportRequest& r) { r.round = "nope"; })).find("round 'nope' is not a released round (released: 2026-h1, 2026-q3)") !=
          std::string::npos);

    const auto latest = s.report();
    CHECK(latest.round.id == "2026-q3");
    CHECK(latest.round.fromWeek == "2026-W27");
    CHECK(latest.round.toWeek == "2026-W39");
    CHECK(latest.rows.front().respondents.value == 8);
    const auto first = s.report(ask([](server::ReportRequest& r) { r.round = "2026-h1"; r.weeks = true; }));
    CHECK(first.round.id == "2026-h1");
    CHECK(first.rows.front().respondents.value == 6);
    // Every week of the round and only those, answered or not (a list of answered weeks would give an
    // unanswered survey version away).
    REQUIRE(first.weeks.size() == 26);
    CHECK(first.weeks.front() == "2026-W01");
    CHECK(first.weeks.back() == "2026-W26");
    const ReportRow& u1 = unitRow(first, "u1");
    const auto answered = std::count_if(u1.weeks.begin(), u1.weeks.end(), [](const server::Count& c) { return c.value > 0; });
    CHECK(answered == 1);
    CHECK(u1.weeks[2].value == 6);  // 2026-W03
}

TEST_CASE("report: rounds count only their weeks; versions are reported apart") {
    ReportStore s;
    s.unit("u1");
    for (int i = 0; i < 5; ++i) s.respond("u1", "2026-W10", {{"q1", 1}});
    for (int i = 0; i < 6; ++i) s.respond("u1", "2026-W20", {{"q1", 1}});
    const json v2 = miniSurvey("2");
    s.publish(v2);
    const shared::Survey second = mustLoad(v2);
    for (int i = 0; i < 7; ++i) s.respond("u1", "2026-W21", {{"q1", 2}}, &second);
    s.release("spring", "2026-W01", "2026-W10");
    s.release("summer", "2026-W11", "2026-W30");
    const auto spring = [&](const std::string& version) {
        return s.report(ask([&](server::ReportRequest& r) { r.round = "spring"; r.version = version; })).rows.front().respondents;
    };
    CHECK(spring("1").value == 5);
    CHECK(spring("2").hidden == Hidden::FewerThanK);  // none of version 2 in spring: hidden like any count below k
    CHECK(s.report(ask([](server::ReportRequest& r) { r.round = "summer"; r.version = "1"; })).rows.front().respondents.value == 6);
    CHECK(s.report(ask([](server::ReportRequest& r) { r.round = "summer"; })).rows.front().respondents.value == 7);  // the latest version by default
}

TEST_CASE("report: a released round never changes: late answers in its weeks are stored but counted in no figure of it") {
    ReportStore s;
    s.unit("a", "g");
    s.unit("b", "g");
    s.unit("c");
    std::mt19937 random(3);
    const auto respondMany = [&](int count, const std::string& week) {
        for (int i = 0; i < count; ++i) s.respond(std::string(1, static_cast<char>('a' + random() % 3)), week, randomAnswers(random));
    };
    respondMany(40, "2026-W10");
    respondMany(30, "2026-W11");
    CHECK(s.release("r1", "2026-W10", "2026-W11") == 70);
    const auto request = ask([](server::ReportRequest& r) {
        r.round = "r1";
        r.weeks = true;
        r.questions = true;
    });
    const auto before = s.report(request);
    CHECK(before.rows.front().respondents.value == 70);
    // A kiosk that was offline sends 12 answers from the round's weeks, and 8 more come from later weeks.
    respondMany(6, "2026-W10");
    respondMany(6, "2026-W11");
    respondMany(8, "2026-W12");
    CHECK(*s.store->responseCount() == 90);
    const auto after = s.report(request);
    checkSameFigures(before, after, true);
    CHECK(after.rows.front().respondents.value == 70);
    // The next round takes W12 only: the late answers of W10 and W11 are in no round, ever.
    CHECK(s.release("r2", "2026-W12", "2026-W13") == 8);
    checkSameFigures(before, s.report(request), true);
    CHECK(s.report(ask([](server::ReportRequest& r) { r.round = "r2"; })).rows.front().respondents.value == 8);
}

TEST_CASE("report: a unit moved to another group after a release keeps its old group in that round's report") {
    ReportStore s;
    s.unit("a", "north");
    s.unit("b", "north");
    s.unit("c", "south");
    s.unit("d", "south");
    for (const std::string unit : {"a", "b", "c", "d"}) {
        for (int i = 0; i < 6; ++i) s.respond(unit, "2026-W05", {{"q1", 3}, {"q2", 1}});
        for (int i = 0; i < 7; ++i) s.respond(unit, "2026-W15", {{"q1", 3}, {"q2", 1}});
    }
    s.release("r1", "2026-W01", "2026-W10");
    const auto before = s.report(ask([](server::ReportRequest& r) { r.round = "r1"; }));
    REQUIRE(s.store->setUnitGroup("b", "south").ok());
    const auto r1 = s.report(ask([](server::ReportRequest& r) { r.round = "r1"; }));
    checkSameFigures(before, r1, true);
    CHECK(unitRow(r1, "b").group == "north");
    REQUIRE(r1.find(ReportRow::Kind::Group, "north") != nullptr);
    CHECK(r1.find(ReportRow::Kind::Group, "north")->respondents.value == 12);
    CHECK(r1.find(ReportRow::Kind::Group, "south")->respondents.value == 12);
    // The next round is released with the groups of its release.
    s.release("r2", "2026-W11", "2026-W20");
    const auto r2 = s.report(ask([](server::ReportRequest& r) { r.round = "r2"; }));
    CHECK(unitRow(r2, "b").group == "south");
    CHECK(r2.find(ReportRow::Kind::Group, "north")->respondents.value == 7);
    CHECK(r2.find(ReportRow::Kind::Group, "south")->respondents.value == 21);
    auto members = s.store->roundUnits("r1");
    REQUIRE(members.ok());
    REQUIRE(members->size() == 4);
    CHECK((*members)[1].unitId == "b");
    CHECK((*members)[1].group == "north");
}

TEST_CASE("report: a round keeps the k it was released with; the group size can be raised, never set below 5") {
    ReportStore s;
    s.unit("big");
    s.unit("six");
    s.unit("two");
    for (const std::string week : {"2026-W05", "2026-W15"}) {
        for (int i = 0; i < 9; ++i) s.respond("big", week, {{"q1", 4}, {"q2", 2}});
        for (int i = 0; i < 6; ++i) s.respond("six", week, {{"q1", 2}});
        for (int i = 0; i < 2; ++i) s.respond("two", week, {{"q1", 1}});
    }
    CHECK(*s.store->groupSize() == 5);
    s.release("r1", "2026-W01", "2026-W10");
    const auto request = ask([](server::ReportRequest& r) {
        r.round = "r1";
        r.weeks = true;
        r.questions = true;
    });
    const auto before = s.report(request);
    CHECK(before.k == 5);
    CHECK(before.round.k == 5);

    const auto refused = s.store->setGroupSize(4);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.message().find("cannot be below 5") != std::string::npos);
    CHECK(*s.store->groupSize() == 5);
    REQUIRE(s.store->setGroupSize(7).ok());
    CHECK(*s.store->groupSize() == 7);

    // r1 is shown as it was: with k = 5, "six" hidden only as the partner of "two".
    const auto r1 = s.report(request);
    checkSameFigures(before, r1, true);
    CHECK(r1.k == 5);
    CHECK(unitRow(r1, "six").respondents.hidden == Hidden::Secondary);
    CHECK(unitRow(r1, "big").respondents.value == 9);
    // r2, released after the change, keeps 7: "six" is now fewer than k itself.
    s.release("r2", "2026-W11", "2026-W20");
    const auto r2 = s.report(ask([](server::ReportRequest& r) { r.round = "r2"; }));
    CHECK(r2.k == 7);
    CHECK(r2.round.k == 7);
    CHECK(unitRow(r2, "six").respondents.hidden == Hidden::FewerThanK);
    CHECK(unitRow(r2, "two").respondents.hidden == Hidden::FewerThanK);
    auto rounds = s.store->rounds();
    REQUIRE(rounds.ok());
    REQUIRE(rounds->size() == 2);
    CHECK((*rounds)[0].k == 5);
    CHECK((*rounds)[1].k == 7);
}

TEST_CASE("report: two rounds never share a week, and a round's weeks and id must be well formed") {
    ReportStore s;
    REQUIRE(server::addRound(*s.store, {"2026-h1", "2026-W02", "2026-W24", ""}).ok());
    const auto overlap = server::addRound(*s.store, {"2026-q2", "2026-W20", "2026-W30", ""});
    REQUIRE_FALSE(overlap.ok());
    CHECK(overlap.message().find("overlaps round '2026-h1' (2026-W02 to 2026-W24)") != std::string::npos);
    // Touching one week at either end is an overlap too; inside and around as well.
    for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
             {"2026-W24", "2026-W30"}, {"2026-W01", "2026-W02"}, {"2026-W05", "2026-W06"}, {"2025-W50", "2026-W40"}}) {
        CAPTURE(from);
        const auto clash = server::addRound(*s.store, {"other", from, to, ""});
        REQUIRE_FALSE(clash.ok());
        CHECK(clash.message().find("'2026-h1'") != std::string::npos);
    }
    CHECK(server::addRound(*s.store, {"2026-h2", "2026-W25", "2026-W52", ""}).ok());
    CHECK(server::addRound(*s.store, {"2026-h2", "2027-W01", "2027-W02", ""}).message().find("exists already") != std::string::npos);
    CHECK(server::addRound(*s.store, {"Spring 26", "2027-W01", "2027-W02", ""}).message().find("expected 1 to 32 of a-z") != std::string::npos);
    CHECK(server::addRound(*s.store, {"late", "2027-W10", "2027-W09", ""}).message().find("is after") != std::string::npos);
    CHECK_FALSE(server::addRound(*s.store, {"bad", "2027-10", "2027-W12", ""}).ok());
    auto rounds = s.store->rounds();
    REQUIRE(rounds.ok());
    CHECK(rounds->size() == 2);
}

TEST_CASE("report: each round counts its weeks' responses, by week and over the round, as a count by hand does") {
    // A release copies the tallies twice: per week (respondents, the weeks of a report) and summed over the
    // round (everything else). Both must give what the stored responses give.
    ReportStore s;
    s.unit("a", "g");
    s.unit("b", "g");
    s.unit("c");
    std::mt19937 random(7);
    struct Sent {
        std::string unit;
        std::string week;
        json answers;
    };
    std::vector<Sent> sent;
    for (int i = 0; i < 120; ++i) {
        sent.push_back({std::string(1, static_cast<char>('a' + random() % 3)), "2026-W4" + std::to_string(random() % 4), randomAnswers(random)});
        s.respond(sent.back().unit, sent.back().week, sent.back().answers);
    }
    s.release("r1", "2026-W40", "2026-W41");
    s.release("r2", "2026-W42", "2026-W43");
    int compared = 0;
    for (const auto& [round, first, last] : std::vector<std::tuple<std::string, std::string, std::string>>{
             {"r1", "2026-W40", "2026-W41"}, {"r2", "2026-W42", "2026-W43"}}) {
        CAPTURE(round);
        const auto report = s.report(ask([&](server::ReportRequest& r) {
            r.round = round;
            r.weeks = true;
            r.questions = true;
        }));
        CHECK(report.weeks == std::vector<std::string>{first, last});
        // By hand, per row ("total", "group:g", "group:" for the units without one, "unit:ID").
        std::map<std::string, std::int64_t> respondents;
        std::map<std::pair<std::string, std::string>, std::int64_t> perWeek;
        std::map<std::string, std::int64_t> areaCount;
        std::map<std::string, double> areaSum;
        std::map<std::pair<std::string, std::string>, std::int64_t> q1Choices;
        for (const auto& response : sent) {
            if (response.week < first || response.week > last) continue;
            perWeek[{response.unit, response.week}] += 1;
            const std::vector<std::string> rows = {"total", "unit:" + response.unit, response.unit == "c" ? "group:" : "group:g"};
            for (const auto& row : rows) {
                respondents[row] += 1;
                for (const auto& tally : server::responseTallies(s.survey, response.answers)) {
                    if (tally.kind == std::string(server::kArea) && tally.subject == "a") areaCount[row] += 1, areaSum[row] += tally.sum;
                    if (tally.kind == std::string(server::kChoice) && tally.subject == "q1") q1Choices[{row, tally.value}] += 1;
                }
            }
        }
        for (const auto& row : report.rows) {
            const std::string key = row.kind == ReportRow::Kind::Total ? "total" : (row.kind == ReportRow::Kind::Group ? "group:" : "unit:") + row.id;
            CAPTURE(key);
            if (!row.respondents.shown()) continue;
            ++compared;
            CHECK(row.respondents.value == respondents[key]);
            REQUIRE(row.areas[0].respondents.shown());
            CHECK(row.areas[0].respondents.value == areaCount[key]);
            CHECK(*row.areas[0].meanScore == doctest::Approx(areaSum[key] / static_cast<double>(areaCount[key])));
            for (std::size_t c = 0; c < 4; ++c) CHECK(row.questions[0].choices[c] == q1Choices[{key, std::to_string(c + 1)}]);
            for (std::size_t w = 0; w < row.weeks.size(); ++w) {
                if (row.weeks[w].shown()) CHECK(row.weeks[w].value == perWeek[{row.id, report.weeks[w]}]);
            }
        }
    }
    CHECK(compared >= 8);  // the municipality, the group and most units of both rounds
}

TEST_CASE("report: responses stored in batches count as they do one by one, and a rebuild gives what ingest kept") {
    // Ingest adds a batch's tallies up before it writes them; a kiosk's batch is one unit over a few weeks.
    ReportStore single;
    ReportStore batched;
    for (ReportStore* s : {&single, &batched}) {
        s->unit("a", "g");
        s->unit("b", "g");
        s->unit("c");
    }
    std::mt19937 random(11);
    std::vector<server::IncomingItem> sent;
    for (int b = 0; b < 12; ++b) {
        const std::string unit(1, static_cast<char>('a' + b % 3));
        std::vector<server::IncomingItem> batch;
        for (int i = 0; i < 20; ++i) {
            const json answers = randomAnswers(random);
            const std::string week = "2026-W4" + std::to_string(random() % 3);
            single.respond(unit, week, answers);
            batch.push_back(batched.item(unit, week, answers));
        }
        if (b > 0) batch.push_back(sent.front());  // a response sent again: a duplicate, counted once
        server::IncomingItem bad = batched.item(unit, "2026-W40", json::object());
        bad.response.reset();
        bad.rejection = "cannot open the sealed payload";
        batch.push_back(bad);  // a rejected one: not counted
        const auto results = batched.storeBatch(batch);
        CHECK(std::count_if(results.begin(), results.end(), [](const auto& r) { return r.status == shared::ItemStatus::Accepted; }) == 20);
        sent.insert(sent.end(), batch.begin(), batch.begin() + 20);
    }
    const auto request = [](const std::string& round) {
        return ask([&](server::ReportRequest& r) {
            r.round = round;
            r.questions = true;
            r.weeks = true;
        });
    };
    // W40 is released from the tallies ingest kept, W41-W42 after they were rebuilt from the responses.
    for (ReportStore* s : {&single, &batched}) s->release("w40", "2026-W40", "2026-W40");
    const auto expected = single.report(request("w40"));
    CHECK(expected.rows.front().respondents.value > 40);
    const auto released = batched.report(request("w40"));
    checkSameFigures(released, expected);

    REQUIRE(batched.store->rebuildTallies([&](const server::StoredResponse& r) -> server::Result<std::vector<server::Tally>> {
                                   return server::responseTallies(batched.survey, json::parse(r.answersJson));
                               }).ok());
    for (ReportStore* s : {&single, &batched}) s->release("w41", "2026-W41", "2026-W42");
    const auto rest = single.report(request("w41"));
    CHECK(rest.rows.front().respondents.value + expected.rows.front().respondents.value == 240);
    checkSameFigures(batched.report(request("w41")), rest);
    checkSameFigures(batched.report(request("w40")), expected);
    checkSameFigures(batched.report(request("w40")), released, true);  // the rebuild changed nothing already released
}

TEST_CASE("report: answer counts of some units only are those units' own, the same as in a full report") {
    ReportStore s;
    s.unit("a", "g");
    s.unit("b", "g");
    for (int i = 0; i < 8; ++i) s.respond("a", "2026-W47", {{"q1", 4}, {"q2", 1}});
    for (int i = 0; i < 9; ++i) s.respond("b", "2026-W47", {{"q1", 1}});
    const auto full = s.report(ask([](server::ReportRequest& r) { r.questions = true; }));
    const auto some = s.report(ask([](server::ReportRequest& r) {
        r.questions = true;
        r.questionUnits = {"a"};
    }));
    CHECK(unitRow(some, "a").questions[0].choices == unitRow(full, "a").questions[0].choices);
    CHECK(unitRow(some, "a").questions[0].choices == std::vector<std::int64_t>{0, 0, 0, 8});
    // The group's counts would need b's too: not given, rather than given wrong.
    const ReportRow* group = some.find(ReportRow::Kind::Group, "g");
    REQUIRE(group != nullptr);
    CHECK(group->questions[0].respondents.value == 17);
    CHECK(group->questions[0].choices.empty());
    CHECK(unitRow(some, "b").questions[0].choices.empty());
}

TEST_CASE("report: a store from before tallies existed gets them rebuilt") {
    ReportStore s;
    s.unit("u1");
    for (int i = 0; i < 6; ++i) s.respond("u1", "2026-W10", {{"q1", 3}, {"q2", 2}});
    constexpr const char* kForget = "DELETE FROM tallies; INSERT INTO settings VALUES ('tallies_stale', '1')";
    if (s.database) {
        test::pgRows(s.database->url(), kForget);
    } else {
        sqlite3* db = nullptr;
        REQUIRE(sqlite3_open((s.dir.path() / "central.db").c_str(), &db) == SQLITE_OK);
        const int forgot = sqlite3_exec(db, kForget, nullptr, nullptr, nullptr);
        sqlite3_close(db);
        REQUIRE(forgot == SQLITE_OK);
    }
    CHECK(*s.store->talliesStale());
    // The release rebuilds them before it copies them into the round.
    const auto report = s.report();
    CHECK(report.rows.front().respondents.value == 6);
    CHECK(*report.rows.front().areas[1].meanScore == doctest::Approx(1.0));
    CHECK_FALSE(*s.store->talliesStale());
}

// ---- svarboks-central report ----

struct Cli {
    int code = -1;
    std::string out;
    std::string err;
};

// Runs a svarboks-central command on the store's data folder.
Cli central(const ReportStore& s, std::vector<std::string> args) {
    args.push_back("--data");
    args.push_back(s.dir.path().string());
    if (s.database) {
        args.push_back("--database");
        args.push_back(s.database->url());
    }
    std::ostringstream out;
    std::ostringstream err;
    Cli cli;
    cli.code = server::runCommand(args, out, err);
    cli.out = out.str();
    cli.err = err.str();
    return cli;
}

// `report ARGS`, of the catch-all round unless the case released its own.
Cli report(ReportStore& s, std::vector<std::string> args) {
    s.releaseOnce();
    args.insert(args.begin(), "report");
    return central(s, args);
}

// The store of the second case above: big 9, mid 6 (hidden: it would give small away), small 2.
void threeUnits(ReportStore& s) {
    s.unit("big", "care");
    s.unit("mid", "care");
    s.unit("small", "care");
    for (int i = 0; i < 9; ++i) s.respond("big", "2026-W47", {{"q1", 4}, {"q2", 2}, {"q3", {"mail"}}});
    for (int i = 0; i < 6; ++i) s.respond("mid", "2026-W48", {{"q1", 2}});
    for (int i = 0; i < 2; ++i) s.respond("small", "2026-W48", {{"q1", 1}});
}

// The line of a table or CSV whose first cells are `start`.
std::string lineStarting(const std::string& text, const std::string& start) {
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind(start, 0) == 0) return line;
    }
    FAIL("no line starts with '" << start << "' in:\n" << text);
    return "";
}

// A line without the words for hidden figures (whose "5" is k, not a figure).
std::string withoutWords(std::string line) {
    for (const std::string words : {"fewer than 5", "hidden"}) {
        for (auto at = line.find(words); at != std::string::npos; at = line.find(words)) line.erase(at, words.size());
    }
    return line;
}

TEST_CASE("report command: a table per unit with the hidden figures as words, and no number of theirs") {
    ReportStore s;
    threeUnits(s);
    const Cli cli = report(s, {});
    REQUIRE_MESSAGE(cli.code == 0, cli.err);
    CHECK(cli.out.find("Survey mini version 1, round all (2026-W01 to 2026-W53), k = 5") != std::string::npos);
    CHECK(lineStarting(cli.out, "municipality").find(" 17 ") != std::string::npos);
    const std::string big = lineStarting(cli.out, "unit          big");
    CHECK(big.find(" 9 ") != std::string::npos);
    CHECK(big.find("100.0") != std::string::npos);  // area a: q1 = 4 of 1..4 for all nine
    const std::string small = lineStarting(cli.out, "unit          small");
    CHECK(small.find("fewer than 5") != std::string::npos);
    CHECK(withoutWords(small).find_first_of("0123456789") == std::string::npos);
    const std::string mid = lineStarting(cli.out, "unit          mid");
    CHECK(mid.find("hidden") != std::string::npos);
    CHECK(withoutWords(mid).find_first_of("0123456789") == std::string::npos);

    const Cli groups = report(s, {"--by", "group"});
    REQUIRE(groups.code == 0);
    CHECK(groups.out.find("unit ") == std::string::npos);
    CHECK(lineStarting(groups.out, "group").find(" 17 ") != std::string::npos);
}

TEST_CASE("report command: areas and questions of one row") {
    ReportStore s;
    threeUnits(s);
    const Cli areas = report(s, {"--by", "area", "--unit", "big"});
    REQUIRE_MESSAGE(areas.code == 0, areas.err);
    CHECK(lineStarting(areas.out, "a ").find("100.0") != std::string::npos);
    const Cli questions = report(s, {"--by", "question", "--unit", "big", "--format", "csv"});
    REQUIRE_MESSAGE(questions.code == 0, questions.err);
    CHECK(questions.out.rfind("question,title,respondents,option,option text,count,share %\r\n", 0) == 0);
    CHECK(lineStarting(questions.out, "q1,,9,4,") == "q1,,9,4,4,9,100.0\r");
    CHECK(lineStarting(questions.out, "q1,,9,1,") == "q1,,9,1,1,0,0.0\r");
    // Only big answered q3: shown, its 9 would tell that mid and small have none (a hidden 0).
    CHECK(lineStarting(questions.out, "q3,,") == "q3,,hidden,mail,mail,hidden,hidden\r");
    const Cli hiddenUnit = report(s, {"--by", "question", "--unit", "small", "--format", "csv"});
    REQUIRE(hiddenUnit.code == 0);
    CHECK(lineStarting(hiddenUnit.out, "q1,").find("fewer than 5,1,1,fewer than 5,fewer than 5") != std::string::npos);

    // csv-da is for people in Danish Excel: Danish words and the survey's Danish titles of areas and levels.
    const Cli danish = report(s, {"--format", "csv-da"});
    REQUIRE(danish.code == 0);
    CHECK(danish.out.rfind("\xEF\xBB\xBFniveau;id;navn;gruppe;respondenter;Område A gennemsnit %;Område B gennemsnit %;"
                           "Område A: Lav;Område A: Høj;Område B: Lav;Område B: Høj\r\n", 0) == 0);
    CHECK(lineStarting(danish.out, "kommune;;Hele kommunen;").find(";17;") != std::string::npos);
    CHECK(lineStarting(danish.out, "enhed;small").find(";færre end 5;") != std::string::npos);
    CHECK(lineStarting(danish.out, "enhed;big").find(";100,0;") != std::string::npos);
    const Cli danishQuestions = report(s, {"--by", "question", "--unit", "big", "--format", "csv-da"});
    REQUIRE(danishQuestions.code == 0);
    CHECK(danishQuestions.out.rfind("\xEF\xBB\xBFspørgsmål;titel;respondenter;svarmulighed;svartekst;antal;andel %\r\n", 0) == 0);
    const Cli danishAreas = report(s, {"--by", "area", "--format", "csv-da"});
    REQUIRE(danishAreas.code == 0);
    CHECK(danishAreas.out.rfind("\xEF\xBB\xBFområde;titel;respondenter;gennemsnit %;Lav;Høj\r\n", 0) == 0);
    CHECK(lineStarting(danishAreas.out, "a;Område A;").size() > 0);

    // csv and json are for scripts: stable English ids, whatever the survey's titles.
    const Cli ids = report(s, {"--format", "csv"});
    REQUIRE(ids.code == 0);
    CHECK(ids.out.rfind("level,id,name,group,respondents,a mean %,b mean %,a low,a high,b low,b high\r\n", 0) == 0);
    CHECK(lineStarting(ids.out, "unit,small").find(",fewer than 5,") != std::string::npos);
    const Cli areasJson = report(s, {"--by", "area", "--format", "json"});
    REQUIRE(areasJson.code == 0);
    const json first = json::parse(areasJson.out)["rows"][0];
    CHECK(first["area"] == "a");
    CHECK(first["title"] == "Area A");
    CHECK(first.contains("low"));
    CHECK(first.contains("mean %"));

    // The terminal table is for people too: the survey's English titles.
    const Cli table = report(s, {"--by", "area"});
    REQUIRE(table.code == 0);
    CHECK(lineStarting(table.out, "area ").find("Low") != std::string::npos);
}

TEST_CASE("report command: --round chooses a released round, which keeps its k; without one it says what to do") {
    ReportStore s;
    s.unit("big", "care");
    s.unit("mid", "care");
    s.unit("small", "care");
    for (int i = 0; i < 9; ++i) s.respond("big", "2026-W10", {{"q1", 4}});
    for (int i = 0; i < 6; ++i) s.respond("mid", "2026-W10", {{"q1", 2}});
    for (int i = 0; i < 2; ++i) s.respond("small", "2026-W10", {{"q1", 1}});
    for (int i = 0; i < 6; ++i) s.respond("mid", "2026-W30", {{"q1", 2}});
    for (int i = 0; i < 6; ++i) s.respond("big", "2026-W30", {{"q1", 2}});
    for (int i = 0; i < 2; ++i) s.respond("small", "2026-W30", {{"q1", 1}});
    const Cli none = central(s, {"report"});
    CHECK(none.code == 1);
    CHECK(none.err.find("no round has been released yet") != std::string::npos);
    CHECK(none.err.find("rounds add") != std::string::npos);

    REQUIRE(central(s, {"rounds", "add", "h1", "--from", "2026-W01", "--to", "2026-W26"}).code == 0);
    REQUIRE(central(s, {"rounds", "add", "h2", "--from", "2026-W27", "--to", "2099-W52"}).code == 0);
    const Cli early = central(s, {"rounds", "release", "h2"});
    CHECK(early.code == 1);  // it has not ended: only with --early
    REQUIRE(central(s, {"rounds", "release", "h1", "--early"}).code == 0);
    const Cli policy = central(s, {"policy", "set", "--k", "7"});
    REQUIRE_MESSAGE(policy.code == 0, policy.err);
    REQUIRE(central(s, {"rounds", "release", "h2", "--early"}).code == 0);

    const auto rowsOf = [](const Cli& cli) {
        REQUIRE_MESSAGE(cli.code == 0, cli.err);
        const json parsed = json::parse(cli.out);
        std::map<std::string, json> rows;
        for (const auto& row : parsed["rows"]) rows[row["level"].get<std::string>() + ":" + row["id"].get<std::string>()] = row;
        return std::make_pair(parsed, rows);
    };
    // The latest released round by default: h2, released with k = 7, which hides mid's 6 as well.
    const auto [h2, h2Rows] = rowsOf(report(s, {"--format", "json"}));
    CHECK(h2["round"] == "h2");
    CHECK(h2["from"] == "2026-W27");
    CHECK(h2["to"] == "2099-W52");
    CHECK(h2["k"] == 7);
    CHECK(h2Rows.at("municipality:")["respondents"] == 14);
    CHECK(h2Rows.at("unit:mid")["respondents"].is_null());
    CHECK(h2Rows.at("unit:mid")["hidden"]["respondents"] == "fewer than 7");
    CHECK(h2Rows.at("unit:small")["hidden"]["respondents"] == "fewer than 7");
    // h1 keeps its 5.
    const auto [h1, h1Rows] = rowsOf(report(s, {"--round", "h1", "--format", "json"}));
    CHECK(h1["k"] == 5);
    CHECK(h1Rows.at("unit:big")["respondents"] == 9);
    CHECK(h1Rows.at("unit:mid")["respondents"].is_null());  // the partner of small
    CHECK(h1Rows.at("unit:small")["hidden"]["respondents"] == "fewer than 5");
    const Cli table = report(s, {"--round", "h1"});
    CHECK(table.out.find("round h1 (2026-W01 to 2026-W26), k = 5") != std::string::npos);
    const Cli unknown = report(s, {"--round", "h3"});
    CHECK(unknown.code == 1);
    CHECK(unknown.err.find("round 'h3' is not a released round (released: h1, h2)") != std::string::npos);
}

TEST_CASE("report command: bad options and requests say what is wrong, with a usage exit code for usage") {
    ReportStore s;
    threeUnits(s);
    // k is the store's policy: no command can choose another, lower or higher.
    for (const std::string k : {"2", "5", "7"}) {
        const Cli chosen = report(s, {"--k", k});
        CHECK(chosen.code == 2);
        CHECK(chosen.err.find("--k: the minimum group size is the store's policy") != std::string::npos);
    }
    // No free week ranges: two overlapping ones would give the weeks between them away.
    for (const std::string option : {"--from", "--to"}) {
        const Cli range = report(s, {option, "2026-W48"});
        CHECK(range.code == 2);
        CHECK(range.err.find("--from/--to: reports are of one released round") != std::string::npos);
        CHECK(range.out.empty());
    }
    CHECK(report(s, {"--by", "week"}).err.find("--by: week not in {unit,group,area,question}") != std::string::npos);
    CHECK(report(s, {"--format", "xml"}).code == 2);
    CHECK(report(s, {"--unit", "big"}).code == 2);  // --unit only goes with --by area|question
    CHECK(report(s, {"--by", "area", "--unit", "big", "--group", "care"}).code == 2);
    const Cli unknownUnit = report(s, {"--by", "area", "--unit", "nowhere"});
    CHECK(unknownUnit.code == 1);
    CHECK(unknownUnit.err.find("unit 'nowhere' is not in the report") != std::string::npos);
    const Cli unknownSurvey = report(s, {"--survey", "nope"});
    CHECK(unknownSurvey.code == 1);
    CHECK(unknownSurvey.err.find("nope") != std::string::npos);
}

// ---- the brute-force proof ----

// What a reader can know about one figure: an exact value, or bounds from its label.
struct Seen {
    bool shown = false;
    std::int64_t value = 0;
    std::int64_t lo = 0;
    std::int64_t hi = 0;
};

// A label's bounds. `inherited`: a figure hidden because its whole row is (a subset of the row's people).
// `part`: a unit's week, where a 0 shows as 0 (so "fewer than k" is at least 1).
Seen seen(const server::Count& count, int k, std::int64_t cap, bool inherited = false, bool part = false) {
    if (count.shown()) return {true, count.value, count.value, count.value};
    if (inherited) return {false, 0, 0, count.hidden == Hidden::FewerThanK ? k - 1 : cap};
    if (count.hidden == Hidden::FewerThanK) return {false, 0, part ? 1 : 0, k - 1};
    return {false, 0, k, cap};
}

bool fits(const Seen& s, std::int64_t v) { return s.shown ? v == s.value : (v >= s.lo && v <= s.hi); }

// Every vector of week counts a unit can have: each week within what it shows, the sum within the unit's.
void weekVectors(const std::vector<Seen>& weeks, const Seen& unit, std::vector<std::int64_t>& current,
                 std::vector<std::vector<std::int64_t>>& out, std::int64_t sum = 0) {
    if (current.size() == weeks.size()) {
        if (fits(unit, sum)) out.push_back(current);
        return;
    }
    const Seen& w = weeks[current.size()];
    for (std::int64_t v = w.lo; v <= w.hi && sum + v <= unit.hi; ++v) {
        current.push_back(v);
        weekVectors(weeks, unit, current, out, sum + v);
        current.pop_back();
    }
}

// A reader's view of one statistic: rows (total, groups, units: parent indexes as in the report) and, per
// unit row, its week cells. Finds every value each hidden figure can take in a table that shows the same.
struct Attack {
    std::vector<Seen> rows;
    std::vector<int> parent;
    std::map<std::size_t, std::vector<Seen>> weeks;  // unit row -> week cells (when weeks are shown)

    // For each hidden row (and week), whether more than one value fits.
    void check(const std::string& what) const {
        std::vector<std::size_t> units;
        for (std::size_t r = 0; r < rows.size(); ++r) {
            bool leaf = true;
            for (std::size_t c = 0; c < rows.size(); ++c) leaf = leaf && parent[c] != static_cast<int>(r);
            if (leaf) units.push_back(r);
        }
        // The values each unit can take on its own (with its weeks), then every combination of units.
        std::vector<std::vector<std::vector<std::int64_t>>> vectors(units.size());
        std::vector<std::vector<std::int64_t>> totals(units.size());
        for (std::size_t u = 0; u < units.size(); ++u) {
            const Seen& unit = rows[units[u]];
            const auto found = weeks.find(units[u]);
            if (found == weeks.end() || found->second.empty()) {
                for (std::int64_t v = unit.lo; v <= unit.hi; ++v) totals[u].push_back(v);
                continue;
            }
            std::vector<std::int64_t> current;
            weekVectors(found->second, unit, current, vectors[u]);
            std::set<std::int64_t> sums;
            for (const auto& vec : vectors[u]) {
                std::int64_t sum = 0;
                for (const auto v : vec) sum += v;
                sums.insert(sum);
            }
            totals[u].assign(sums.begin(), sums.end());
        }
        std::vector<std::set<std::int64_t>> possible(rows.size());
        std::vector<std::int64_t> pick(units.size());
        std::vector<std::int64_t> sums(rows.size());
        const std::function<void(std::size_t, std::int64_t)> combine = [&](std::size_t u, std::int64_t partial) {
            if (partial > rows[0].hi) return;  // every unit adds into the first row
            if (u == units.size()) {
                std::fill(sums.begin(), sums.end(), 0);
                for (std::size_t i = 0; i < units.size(); ++i) sums[units[i]] = pick[i];
                for (std::size_t r = rows.size(); r-- > 1;) sums[static_cast<std::size_t>(parent[r])] += sums[r];
                for (std::size_t r = 0; r < rows.size(); ++r) {
                    if (!fits(rows[r], sums[r])) return;
                }
                for (std::size_t r = 0; r < rows.size(); ++r) possible[r].insert(sums[r]);
                return;
            }
            for (const auto v : totals[u]) {
                pick[u] = v;
                combine(u + 1, partial + v);
            }
        };
        combine(0, 0);
        REQUIRE_MESSAGE(!possible[0].empty(), what << ": the true table must fit what is shown");
        for (std::size_t r = 0; r < rows.size(); ++r) {
            if (rows[r].shown) continue;
            INFO(what << ": row " << r);
            CHECK(possible[r].size() >= 2);
        }
        // A hidden week: the values it takes in the unit's vectors whose total fits globally.
        for (std::size_t u = 0; u < units.size(); ++u) {
            const auto found = weeks.find(units[u]);
            if (found == weeks.end()) continue;
            for (std::size_t w = 0; w < found->second.size(); ++w) {
                if (found->second[w].shown) continue;
                std::set<std::int64_t> values;
                for (const auto& vec : vectors[u]) {
                    std::int64_t sum = 0;
                    for (const auto v : vec) sum += v;
                    if (possible[units[u]].count(sum) > 0) values.insert(vec[w]);
                }
                INFO(what << ": unit row " << units[u] << " week " << w);
                CHECK(values.size() >= 2);
            }
        }
    }
};

TEST_CASE("suppression: on many small generated stores no hidden figure can be worked out from what the report shows") {
    // SVARBOKS_PROOF_ROUNDS and SVARBOKS_PROOF_SEED run a longer or another proof (docs/central.md#reports).
    const char* roundsText = std::getenv("SVARBOKS_PROOF_ROUNDS");
    const char* seedText = std::getenv("SVARBOKS_PROOF_SEED");
    const int rounds = roundsText != nullptr ? std::atoi(roundsText) : 150;
    std::mt19937 random(seedText != nullptr ? static_cast<unsigned>(std::atol(seedText)) : 20261123u);
    int hiddenSeen = 0;
    int secondarySeen = 0;
    for (int round = 0; round < rounds; ++round) {
        ReportStore s;
        const int k = 5 + static_cast<int>(random() % 3);  // the store's policy, kept by the round
        const int groups = static_cast<int>(random() % 3);  // 0: no groups
        const int unitCount = 1 + static_cast<int>(random() % 4);
        const std::vector<std::string> periods = {"2026-W01", "2026-W02", "2026-W03"};
        const int weekCount = 1 + static_cast<int>(random() % 3);
        std::int64_t everyone = 0;
        std::vector<server::IncomingItem> items;  // stored as one batch: the same tallies, one commit
        for (int u = 0; u < unitCount; ++u) {
            const std::string unit = "u" + std::to_string(u);
            s.unit(unit, groups == 0 ? "" : "g" + std::to_string(u % groups));
            const int people = static_cast<int>(random() % 14);
            everyone += people;
            for (int p = 0; p < people; ++p) {
                const int q1 = 1 + static_cast<int>(random() % 4);
                json answers = {{"q1", q1}};
                if (q1 >= 3) answers["q2"] = 1 + static_cast<int>(random() % 2);
                items.push_back(s.item(unit, periods[random() % static_cast<unsigned>(weekCount)], answers));
            }
        }
        if (!items.empty()) s.storeBatch(items);
        if (k > 5) REQUIRE(s.store->setGroupSize(k).ok());
        // A round of exactly the weeks used: every week of a round is a column of the report.
        s.release("r", periods.front(), periods[static_cast<std::size_t>(weekCount - 1)]);
        const auto report = s.report(ask([&](server::ReportRequest& r) { r.weeks = true; r.questions = true; }));
        REQUIRE(report.k == k);
        CAPTURE(round);
        CAPTURE(k);
        const std::int64_t cap = everyone + k;  // "k or more" up to beyond any true figure

        // The rows' parents, as the report lays them out: total, then groups each followed by its units.
        std::vector<int> parent;
        int group = -1;
        for (std::size_t r = 0; r < report.rows.size(); ++r) {
            const auto kind = report.rows[r].kind;
            if (kind == ReportRow::Kind::Total) parent.push_back(-1);
            else if (kind == ReportRow::Kind::Group) parent.push_back(0), group = static_cast<int>(r);
            else parent.push_back(group >= 0 ? group : 0);
        }
        // Respondents with their weeks.
        Attack respondents{{}, parent, {}};
        for (std::size_t r = 0; r < report.rows.size(); ++r) {
            const auto& row = report.rows[r];
            respondents.rows.push_back(seen(row.respondents, k, cap));
            hiddenSeen += row.respondents.shown() ? 0 : 1;
            secondarySeen += row.respondents.hidden == Hidden::Secondary ? 1 : 0;
            if (row.kind != ReportRow::Kind::Unit) continue;
            std::vector<Seen> weeks;
            for (const auto& week : row.weeks) weeks.push_back(seen(week, k, cap, !row.respondents.shown(), true));
            respondents.weeks[r] = weeks;
        }
        respondents.check("respondents");
        // Each area and question: its own counts, rows hidden for respondents stay hidden.
        const auto statistic = [&](const std::string& what, const auto& countOf) {
            Attack attack{{}, parent, {}};
            for (const auto& row : report.rows) attack.rows.push_back(seen(countOf(row), k, cap, !row.respondents.shown()));
            attack.check(what);
        };
        for (std::size_t a = 0; a < report.survey.areas.size(); ++a) {
            statistic("area " + report.survey.areas[a].id, [&](const ReportRow& row) { return row.areas[a].respondents; });
        }
        for (std::size_t q = 0; q < report.survey.questions.size(); ++q) {
            statistic("question " + report.survey.questions[q].name, [&](const ReportRow& row) { return row.questions[q].respondents; });
        }
        // And nothing shown for a hidden row.
        for (const auto& row : report.rows) {
            if (row.respondents.shown()) continue;
            for (const auto& area : row.areas) CHECK((!area.respondents.shown() && area.levels.empty() && !area.meanScore));
            for (const auto& question : row.questions) CHECK((!question.respondents.shown() && question.choices.empty()));
        }
    }
    // The generator must reach the cases that matter.
    CHECK(hiddenSeen > 50);
    CHECK(secondarySeen > 10);
}

TEST_CASE("suppression: reader bounds on a small table") {
    // total 12 = a 9 + b 3: hiding b alone leaves it at exactly 3.
    server::SumTree tree;
    const int total = tree.add(-1, 12);
    tree.add(total, 9);
    tree.add(total, 3);
    const std::vector<Hidden> onlyB = {Hidden::No, Hidden::No, Hidden::FewerThanK};
    CHECK(server::readerBounds(tree, onlyB, 5)[2].exact());
    const auto hidden = server::suppress(tree, 5);
    CHECK(hidden[1] == Hidden::Secondary);
    CHECK(hidden[2] == Hidden::FewerThanK);
    const auto bounds = server::readerBounds(tree, hidden, 5);
    CHECK(bounds[2].lo == 0);
    CHECK(bounds[2].hi == 4);
    // 6 = 5 + 1: with the 5 shown as "5 or more", the 1 can still be 0 or 1.
    server::SumTree tight;
    const int root = tight.add(-1, 6);
    tight.add(root, 5);
    tight.add(root, 1);
    const auto tightHidden = server::suppress(tight, 5);
    CHECK(tightHidden[0] == Hidden::No);
    CHECK(tightHidden[1] == Hidden::Secondary);
    CHECK(server::readerBounds(tight, tightHidden, 5)[2].hi == 1);
    // 2 = 1 + 1 with k = 3: both small, the total small too; no count can be pinned.
    server::SumTree small;
    const int top = small.add(-1, 2);
    small.add(small.add(top, 1), 1, server::CellKind::Part);
    small.add(small.add(top, 1), 1, server::CellKind::Part);
    const auto smallHidden = server::suppress(small, 3);
    for (const auto& b : server::readerBounds(small, smallHidden, 3)) CHECK_FALSE(b.exact());
}

}  // namespace
}  // namespace svarboks::test
