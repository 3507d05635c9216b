// Reports: figures from the tallies, and the anonymity rules (report.hpp, suppression.hpp). The last cases
// prove by brute force, on many small generated stores, that no hidden figure can be worked out from what
// a report shows.
#include "svarboks/server/admin.hpp"
#include "svarboks/server/report.hpp"
#include "svarboks/server/sqlite_storage.hpp"
#include "svarboks/server/suppression.hpp"
#include "svarboks/server/tally.hpp"
#include "svarboks/shared/hashing.hpp"
#include "test_helpers.hpp"
#include "test_server_fixture.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <sstream>

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
    definition["scoring"] = {{"areas", {{{"id", "a"}, {"title", "Area A"}, {"competences", {"1"}}},
                                        {{"id", "b"}, {"title", "Area B"}, {"competences", {"2"}}}}},
                             {"levels", {{{"id", "low"}, {"min", 0}, {"title", "Low"}}, {{"id", "high"}, {"min", 0.5}, {"title", "High"}}}}};
    return definition;
}

struct ReportStore {
    ServerTempDir dir;
    std::unique_ptr<server::SqliteStorage> store;
    shared::Survey survey;
    int next = 0;

    explicit ReportStore(const json& definition = miniSurvey()) : survey(mustLoad(definition)) {
        fs::create_directories(dir.path());
        auto opened = server::SqliteStorage::open(dir.path() / "central.db");
        INFO((opened.ok() ? std::string() : opened.error().message));
        REQUIRE(opened.ok());
        store = std::move(*opened);
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
        item.response = server::StoredResponse{id, unit, s.id, s.version, period, "da", answers.dump()};
        item.tallies = server::responseTallies(s, answers);
        return item;
    }
    std::vector<shared::BatchResult> storeBatch(const std::vector<server::IncomingItem>& items) {
        auto stored = store->storeItems(items, "2026-W49");
        INFO((stored.ok() ? std::string() : stored.error().message));
        REQUIRE(stored.ok());
        return *stored;
    }
    void respond(const std::string& unit, const std::string& period, const json& answers, const shared::Survey* as = nullptr) {
        REQUIRE(storeBatch({item(unit, period, answers, as)}).front().status == shared::ItemStatus::Accepted);
    }
    server::Report report(server::ReportRequest request = {}) {
        auto built = server::buildReport(*store, request);
        INFO((built.ok() ? std::string() : built.error().message));
        REQUIRE(built.ok());
        return *built;
    }
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

TEST_CASE("report: bad requests say what is wrong") {
    ReportStore s;
    s.unit("u1");
    const auto error = [&](server::ReportRequest request) {
        auto built = server::buildReport(*s.store, request);
        REQUIRE_FALSE(built.ok());
        return built.error().message;
    };
    CHECK(error(ask([](server::ReportRequest& r) { r.k = 2; })).find("k must be at least 3") != std::string::npos);
    CHECK(error(ask([](server::ReportRequest& r) { r.fromPeriod = "2026-47"; })).find("from") != std::string::npos);
    CHECK(error(ask([](server::ReportRequest& r) { r.fromPeriod = "2026-W48"; r.toPeriod = "2026-W47"; })).find("after") != std::string::npos);
    CHECK(error(ask([](server::ReportRequest& r) { r.surveyId = "nope"; })).find("not published (published: mini)") != std::string::npos);
    CHECK(error(ask([](server::ReportRequest& r) { r.surveyId = "mini"; r.version = "9"; })).find("no published version '9' (published: 1)") != std::string::npos);
    s.publish([] {
        json other = miniSurvey();
        other["surveyId"] = "other";
        return other;
    }());
    CHECK(error({}).find("several surveys are published") != std::string::npos);
}

TEST_CASE("report: a period range counts only its weeks; versions are reported apart") {
    ReportStore s;
    s.unit("u1");
    for (int i = 0; i < 5; ++i) s.respond("u1", "2026-W10", {{"q1", 1}});
    for (int i = 0; i < 6; ++i) s.respond("u1", "2026-W20", {{"q1", 1}});
    CHECK(s.report(ask([](server::ReportRequest& r) { r.fromPeriod = "2026-W11"; })).rows.front().respondents.value == 6);
    CHECK(s.report(ask([](server::ReportRequest& r) { r.toPeriod = "2026-W10"; })).rows.front().respondents.value == 5);
    const json v2 = miniSurvey("2");
    s.publish(v2);
    const shared::Survey second = mustLoad(v2);
    for (int i = 0; i < 7; ++i) s.respond("u1", "2026-W21", {{"q1", 2}}, &second);
    CHECK(s.report().rows.front().respondents.value == 7);  // the latest version by default
    CHECK(s.report(ask([](server::ReportRequest& r) { r.version = "1"; })).rows.front().respondents.value == 11);
}

// Every figure of two reports of the same rows is the same.
void checkSameFigures(const server::Report& a, const server::Report& b) {
    REQUIRE(a.rows.size() == b.rows.size());
    CHECK(a.weeks == b.weeks);
    for (std::size_t r = 0; r < a.rows.size(); ++r) {
        CAPTURE(a.rows[r].id);
        CHECK(a.rows[r].id == b.rows[r].id);
        CHECK(a.rows[r].respondents.value == b.rows[r].respondents.value);
        CHECK(a.rows[r].respondents.hidden == b.rows[r].respondents.hidden);
        REQUIRE(a.rows[r].areas.size() == b.rows[r].areas.size());
        for (std::size_t i = 0; i < a.rows[r].areas.size(); ++i) {
            CHECK(a.rows[r].areas[i].respondents.value == b.rows[r].areas[i].respondents.value);
            CHECK(a.rows[r].areas[i].levels == b.rows[r].areas[i].levels);
            CHECK(a.rows[r].areas[i].meanScore.value_or(-1) == doctest::Approx(b.rows[r].areas[i].meanScore.value_or(-1)));
        }
        REQUIRE(a.rows[r].questions.size() == b.rows[r].questions.size());
        for (std::size_t q = 0; q < a.rows[r].questions.size(); ++q) {
            CHECK(a.rows[r].questions[q].respondents.value == b.rows[r].questions[q].respondents.value);
            CHECK(a.rows[r].questions[q].choices == b.rows[r].questions[q].choices);
        }
        REQUIRE(a.rows[r].weeks.size() == b.rows[r].weeks.size());
        for (std::size_t w = 0; w < a.rows[r].weeks.size(); ++w) CHECK(a.rows[r].weeks[w].value == b.rows[r].weeks[w].value);
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

TEST_CASE("report: a range over every week gives what all weeks give (two ways the store adds tallies up)") {
    ReportStore s;
    s.unit("a", "g");
    s.unit("b", "g");
    s.unit("c");
    std::mt19937 random(7);
    for (int i = 0; i < 60; ++i) {
        s.respond(std::string(1, static_cast<char>('a' + random() % 3)), "2026-W4" + std::to_string(random() % 4), randomAnswers(random));
    }
    const auto all = s.report(ask([](server::ReportRequest& r) { r.questions = true; }));
    const auto range = s.report(ask([](server::ReportRequest& r) {
        r.questions = true;
        r.fromPeriod = "2026-W01";
        r.toPeriod = "2026-W52";
    }));
    checkSameFigures(all, range);
    // Only the weeks asked for: W40 and W41 alone count fewer.
    const auto part = s.report(ask([](server::ReportRequest& r) {
        r.fromPeriod = "2026-W40";
        r.toPeriod = "2026-W41";
    }));
    CHECK(part.rows.front().respondents.value < all.rows.front().respondents.value);
    CHECK(part.rows.front().respondents.value > 0);
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
    const auto request = ask([](server::ReportRequest& r) {
        r.questions = true;
        r.weeks = true;
    });
    const auto expected = single.report(request);
    CHECK(expected.rows.front().respondents.value == 240);
    checkSameFigures(batched.report(request), expected);
    checkSameFigures(batched.report(ask([](server::ReportRequest& r) {
                         r.questions = true;
                         r.fromPeriod = "2026-W41";
                         r.toPeriod = "2026-W42";
                     })),
                     single.report(ask([](server::ReportRequest& r) {
                         r.questions = true;
                         r.fromPeriod = "2026-W41";
                         r.toPeriod = "2026-W42";
                     })));

    REQUIRE(batched.store->rebuildTallies([&](const server::StoredResponse& r) -> server::Result<std::vector<server::Tally>> {
                                   return server::responseTallies(batched.survey, json::parse(r.answersJson));
                               }).ok());
    checkSameFigures(batched.report(request), expected);
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
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open((s.dir.path() / "central.db").c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "DELETE FROM tallies; INSERT INTO settings VALUES ('tallies_stale', '1')", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
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

Cli report(const ReportStore& s, std::vector<std::string> args) {
    args.insert(args.begin(), "report");
    args.push_back("--data");
    args.push_back(s.dir.path().string());
    std::ostringstream out;
    std::ostringstream err;
    Cli cli;
    cli.code = server::runCommand(args, out, err);
    cli.out = out.str();
    cli.err = err.str();
    return cli;
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
    CHECK(cli.out.find("Survey mini version 1, all weeks, k = 5") != std::string::npos);
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

TEST_CASE("report command: areas and questions of one row, a period range and k") {
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

    // Only week 48: mid 6 and small 2; k = 7 hides mid as well.
    const Cli week = report(s, {"--from", "2026-W48", "--to", "2026-W48", "--k", "7", "--format", "json"});
    REQUIRE_MESSAGE(week.code == 0, week.err);
    const json parsed = json::parse(week.out);
    CHECK(parsed["k"] == 7);
    CHECK(parsed["from"] == "2026-W48");
    std::map<std::string, json> rows;
    for (const auto& row : parsed["rows"]) rows[row["level"].get<std::string>() + ":" + row["id"].get<std::string>()] = row;
    CHECK(rows["municipality:"]["respondents"] == 8);
    CHECK(rows["unit:big"]["hidden"]["respondents"] == "fewer than 7");  // none that week: hidden like any count below k
    CHECK(rows["unit:mid"]["respondents"].is_null());
    CHECK(rows["unit:mid"]["hidden"]["respondents"] == "fewer than 7");
    CHECK(rows["unit:small"]["respondents"].is_null());

    const Cli danish = report(s, {"--format", "csv-da"});
    REQUIRE(danish.code == 0);
    CHECK(danish.out.rfind("\xEF\xBB\xBFlevel;id;name;group;respondents;", 0) == 0);
    CHECK(lineStarting(danish.out, "unit;small").find(";færre end 5;") != std::string::npos);
    CHECK(lineStarting(danish.out, "unit;big").find(";100,0;") != std::string::npos);
}

TEST_CASE("report command: bad options and requests say what is wrong, with a usage exit code for usage") {
    ReportStore s;
    threeUnits(s);
    CHECK(report(s, {"--k", "2"}).code == 2);
    CHECK(report(s, {"--k", "2"}).err.find("--k 2: expected a number from 3 to 1000") != std::string::npos);
    CHECK(report(s, {"--by", "week"}).err.find("--by week: expected unit, group, area or question") != std::string::npos);
    CHECK(report(s, {"--format", "xml"}).code == 2);
    CHECK(report(s, {"--unit", "big"}).code == 2);  // --unit only goes with --by area|question
    CHECK(report(s, {"--by", "area", "--unit", "big", "--group", "care"}).code == 2);
    const Cli unknownUnit = report(s, {"--by", "area", "--unit", "nowhere"});
    CHECK(unknownUnit.code == 1);
    CHECK(unknownUnit.err.find("unit 'nowhere' is not in the report") != std::string::npos);
    const Cli badWeek = report(s, {"--from", "2026-48"});
    CHECK(badWeek.code == 1);
    CHECK(badWeek.err.find("2026-48") != std::string::npos);
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
        const int k = 3 + static_cast<int>(random() % 3);
        const int groups = static_cast<int>(random() % 3);  // 0: no groups
        const int unitCount = 1 + static_cast<int>(random() % 4);
        const std::vector<std::string> periods = {"2026-W01", "2026-W02", "2026-W03"};
        const int weekCount = 1 + static_cast<int>(random() % 3);
        std::int64_t everyone = 0;
        for (int u = 0; u < unitCount; ++u) {
            const std::string unit = "u" + std::to_string(u);
            s.unit(unit, groups == 0 ? "" : "g" + std::to_string(u % groups));
            const int people = static_cast<int>(random() % 10);
            everyone += people;
            for (int p = 0; p < people; ++p) {
                const int q1 = 1 + static_cast<int>(random() % 4);
                json answers = {{"q1", q1}};
                if (q1 >= 3) answers["q2"] = 1 + static_cast<int>(random() % 2);
                s.respond(unit, periods[random() % static_cast<unsigned>(weekCount)], answers);
            }
        }
        const auto report = s.report(ask([&](server::ReportRequest& r) { r.k = k; r.weeks = true; r.questions = true; }));
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
