// Exports from the central store: the CSV writer (dialects, quoting, CSV-injection neutralisation) and
// exportResponses (one survey version of one released round: columns, values, streaming to a sink, the
// CLI command and its audit entry), and the analyst who tries to single people out of them (issue 12):
// a small unit, the one English respondent, a unique identifying answer, a round of fewer than k, the
// same export asked again, the order of the rows, and a property test on generated stores that every
// combination shown has k rows and every count of rows is one the round's report shows.
#include "svarboks/server/admin.hpp"
#include "svarboks/server/anonymise.hpp"
#include "svarboks/server/codebook.hpp"
#include "svarboks/server/csv.hpp"
#include "svarboks/server/export.hpp"
#include "svarboks/server/report.hpp"
#include "svarboks/server/rounds.hpp"
#include "svarboks/server/tally.hpp"
#include "svarboks/shared/hashing.hpp"
#include "test_server_fixture.hpp"

#include <doctest/doctest.h>

#include <sys/resource.h>
#include <signal.h>

#include <algorithm>
#include <fstream>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace svarboks;
using server::CsvDialect;
using server::CsvWriter;
using server::ExportFormat;
using svarboks::test::Central;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

struct Collected {
    std::string text;
    std::vector<std::size_t> chunks;
    server::CsvSink sink() {
        return [this](std::string_view chunk) {
            text.append(chunk);
            chunks.push_back(chunk.size());
            return true;
        };
    }
};

}  // namespace

TEST_CASE("CSV Standard: commas, CRLF, no BOM, quotes only where needed") {
    Collected out;
    CsvWriter csv(CsvDialect::Standard, out.sink());
    csv.text("plain");
    csv.text("a,b");
    csv.text("say \"hi\"");
    csv.text("two\nlines");
    csv.text("semi;colon");
    csv.text("");
    CHECK(csv.endRow());
    csv.text("æøå");
    csv.number(3.5);
    csv.integer(-7);
    csv.empty();
    CHECK(csv.endRow());
    REQUIRE(csv.flush());
    CHECK(out.text == "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",semi;colon,\r\n"
                      "æøå,3.5,-7,\r\n");
}

TEST_CASE("CSV DanishExcel: BOM first, semicolons, decimal commas") {
    Collected out;
    CsvWriter csv(CsvDialect::DanishExcel, out.sink());
    csv.text("a;b");
    csv.text("a,b");
    csv.number(3.25);
    csv.number(-0.5);
    csv.number(2.0 / 3.0, 2);
    csv.number(-0.001, 2);
    csv.integer(42);
    CHECK(csv.endRow());
    REQUIRE(csv.flush());
    CHECK(out.text == "\xEF\xBB\xBF\"a;b\";a,b;3,25;-0,5;0,67;0,00;42\r\n");
}

TEST_CASE("CSV: an empty export of the Danish dialect is only the BOM; the Standard one is nothing") {
    Collected danish;
    CsvWriter da(CsvDialect::DanishExcel, danish.sink());
    REQUIRE(da.flush());
    CHECK(danish.text == "\xEF\xBB\xBF");
    Collected standard;
    CsvWriter rfc(CsvDialect::Standard, standard.sink());
    REQUIRE(rfc.flush());
    CHECK(standard.text.empty());
}

TEST_CASE("CSV injection: text that a spreadsheet would run is neutralised, numbers are not") {
    Collected out;
    CsvWriter csv(CsvDialect::Standard, out.sink());
    csv.text("=cmd|' /C calc'!A0");
    csv.text("+1");
    csv.text("-1");
    csv.number(-1);
    csv.integer(-1);
    csv.text("@SUM(1)");
    csv.text("\tx");
    csv.text("\rx");
    csv.text("a=b");
    csv.text("=\"quoted\",x");
    CHECK(csv.endRow());
    REQUIRE(csv.flush());
    CHECK(out.text == "\"'=cmd|' /C calc'!A0\",\"'+1\",\"'-1\",-1,-1,\"'@SUM(1)\",\"'\tx\",\"'\rx\",a=b,\"'=\"\"quoted\"\",x\"\r\n");
}

TEST_CASE("CSV numbers: shortest round trip, no minus zero, not finite is empty") {
    Collected out;
    CsvWriter csv(CsvDialect::Standard, out.sink());
    csv.number(0.1);
    csv.number(-0.0);
    csv.number(1e21);
    csv.number(std::numeric_limits<double>::quiet_NaN());
    csv.number(std::numeric_limits<double>::infinity(), 2);
    csv.number(1.005, 0);
    CHECK(csv.endRow());
    REQUIRE(csv.flush());
    CHECK(out.text == "0.1,0,1e+21,,,1\r\n");
}

TEST_CASE("CSV: output reaches the sink in chunks while rows are written, and stops when the sink refuses") {
    Collected out;
    CsvWriter csv(CsvDialect::Standard, out.sink());
    const std::string cell(1000, 'x');
    for (int row = 0; row < 200; ++row) {
        csv.text(cell);
        CHECK(csv.endRow());
    }
    CHECK(out.chunks.size() >= 2);  // 200 kB in chunks of about 64 KiB, before flush
    for (const std::size_t chunk : out.chunks) CHECK(chunk < 80 * 1024);
    REQUIRE(csv.flush());
    CHECK(out.text.size() == 200 * 1002);

    int calls = 0;
    CsvWriter refused(CsvDialect::Standard, [&calls](std::string_view) {
        ++calls;
        return false;
    });
    bool ok = true;
    for (int row = 0; row < 200 && ok; ++row) {
        refused.text(cell);
        ok = refused.endRow();
    }
    CHECK_FALSE(ok);
    CHECK_FALSE(refused.flush());
    CHECK_FALSE(refused.ok());
    CHECK(calls == 1);
}

namespace {

fs::path exportSurveyPath() { return test::sourceDir() / "tests/data/exports/export-test.json"; }

constexpr int kK = server::kMinimumGroupSize;
const std::string kRoundId = "r1";
const std::string kHeader = "unit,group,period,survey_id,survey_version,locale,";
const std::string kPulseColumns = "used_tools,finding_ease,problem_solved,help_wanted,training_hours";

server::StoredResponse response(const std::string& unit, const std::string& period, const json& answers,
                                const std::string& survey = "pulse", const std::string& version = "2026.1",
                                const std::string& locale = "da") {
    return {shared::newUuidV4(), unit, survey, version, period, locale, answers.dump(), ""};
}

/// `count` copies of one answer (each its own response and id).
std::vector<server::StoredResponse> many(int count, const std::string& unit, const std::string& period, const json& answers,
                                         const std::string& survey = "pulse", const std::string& version = "2026.1",
                                         const std::string& locale = "da") {
    std::vector<server::StoredResponse> list;
    for (int i = 0; i < count; ++i) list.push_back(response(unit, period, answers, survey, version, locale));
    return list;
}

template <typename T>
void append(std::vector<T>& to, const std::vector<T>& more) {
    to.insert(to.end(), more.begin(), more.end());
}

/// The published surveys of a store by "id version", for the tallies of what the tests store.
using Surveys = std::map<std::string, shared::Survey>;

std::string key(const std::string& id, const std::string& version) { return id + " " + version; }

/// Stores responses as a batch would, without sealing, with the report tallies ingest stores beside them
/// (an export follows the round's report, which is made from the tallies). Answers that are not JSON
/// are tallied as an empty response: the respondent still counts.
void storeInto(server::Storage& store, const Surveys& surveys, const std::vector<server::StoredResponse>& responses,
               const std::string& week = "2026-W48") {
    std::vector<server::IncomingItem> items;
    for (const auto& response : responses) {
        server::IncomingItem item;
        item.id = response.id;
        item.sealed = "sealed-" + response.id;
        item.sealedSha256 = shared::sha256Hex(item.sealed);
        item.response = response;
        const auto survey = surveys.find(key(response.surveyId, response.surveyVersion));
        REQUIRE_MESSAGE(survey != surveys.end(), "no survey " << response.surveyId << " " << response.surveyVersion);
        const json answers = json::parse(response.answersJson, nullptr, false);
        item.tallies = server::responseTallies(survey->second, answers.is_object() ? answers : json::object());
        items.push_back(std::move(item));
    }
    auto stored = store.storeItems(items, week);
    REQUIRE_MESSAGE(stored.ok(), (stored.ok() ? "" : stored.error().message));
    for (const auto& item : *stored) REQUIRE_MESSAGE(item.result.status == shared::ItemStatus::Accepted, item.result.id);
}

/// Adds a round and releases it at once (early), as `rounds add` and `rounds release --early` do.
void releaseInto(server::Storage& store, server::TimePoint now, const std::string& id = kRoundId, const std::string& from = "2026-W40",
                 const std::string& to = "2026-W52") {
    REQUIRE(server::addRound(store, {id, from, to, ""}).ok());
    auto released = server::releaseRound(store, id, now, true);
    REQUIRE_MESSAGE(released.ok(), (released.ok() ? "" : released.error().message));
}

/// The Central fixture (units solhoj and vest, no groups; pulse 2026.1 published) with the surveys it knows.
struct Fixture {
    Central central;
    Surveys surveys;
    Fixture() { surveys.emplace(key(central.pulse.id, central.pulse.version), central.pulse); }

    shared::Survey publish(const fs::path& file, const std::string& unit) {
        shared::Survey survey = central.publish(file, unit);
        surveys.insert_or_assign(key(survey.id, survey.version), survey);
        return survey;
    }
    void store(const std::vector<server::StoredResponse>& responses) { storeInto(*central.store, surveys, responses); }
    void release(const std::string& id = kRoundId, const std::string& from = "2026-W40", const std::string& to = "2026-W52") {
        releaseInto(*central.store, central.fakeClock.now(), id, from, to);
    }
    void addUnit(const std::string& id, const std::string& group) { REQUIRE(central.store->addUnit({id, "Unit " + id, group}).ok()); }
    void setGroup(const std::string& id, const std::string& group) { REQUIRE(central.store->setUnitGroup(id, group).ok()); }
};

/// A survey with a question marked identifying ("where do you work?") and one that is not.
json identifyingSurvey(const std::string& id = "ident", const std::string& version = "1") {
    json survey = test::surveyWith(json::array({
        {{"type", "radiogroup"}, {"name", "workplace"}, {"identifying", true}, {"title", "Where do you work?"},
         {"choices", {"home_care", "school", "kitchen", "office"}}},
        {{"type", "rating"}, {"name", "mood"}, {"title", "Mood"}, {"rateMin", 1}, {"rateMax", 5}},
    }));
    survey["surveyId"] = id;
    survey["surveyVersion"] = version;
    return survey;
}

/// Publishes a survey given as JSON for every unit and returns it as loaded.
shared::Survey publishJson(server::Storage& store, const json& definition) {
    const shared::Survey survey = test::mustLoad(definition);
    REQUIRE(store.publishSurvey({survey.id, survey.version, shared::canonicalDefinition(definition), survey.definitionSha256, survey.consentSha256, {}},
                                server::kAllUnits)
                .ok());
    return survey;
}

struct Exported {
    std::string text;
    std::string error;
    std::int64_t count = -1;
    std::int64_t withheld = -1;
    std::string explanation;
};

Exported exportFrom(server::Storage& store, const server::ExportOptions& options) {
    Exported out;
    auto result = server::exportResponses(store, options, [&out](std::string_view chunk) {
        out.text.append(chunk);
        return true;
    });
    if (result) {
        out.count = result->rows;
        out.withheld = result->withheld;
        out.explanation = result->explanation;
    } else {
        out.error = result.error().message;
    }
    return out;
}

Exported exportText(Central& central, const server::ExportOptions& options) { return exportFrom(*central.store, options); }

std::vector<std::string> lines(const std::string& text, const std::string& end = "\r\n") {
    std::vector<std::string> found;
    for (std::size_t at = 0; at < text.size();) {
        const auto next = text.find(end, at);
        REQUIRE(next != std::string::npos);
        found.push_back(text.substr(at, next - at));
        at = next + end.size();
    }
    return found;
}

/// The header and the rows sorted: rows come in the order of their random ids.
std::vector<std::string> sortedLines(const std::string& text, const std::string& end = "\r\n") {
    auto found = lines(text, end);
    if (!found.empty()) std::sort(found.begin() + 1, found.end());
    return found;
}

/// RFC 4180 as the Standard dialect writes it: ',' between cells, CRLF after rows, '"' quoting.
std::vector<std::vector<std::string>> parseCsv(const std::string& text, char separator = ',') {
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> row;
    std::string cell;
    bool quoted = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
                cell.push_back('"');
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                cell.push_back(c);
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == separator) {
            row.push_back(std::move(cell));
            cell.clear();
        } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
            row.push_back(std::move(cell));
            cell.clear();
            rows.push_back(std::move(row));
            row.clear();
            ++i;
        } else {
            cell.push_back(c);
        }
    }
    REQUIRE_FALSE(quoted);
    REQUIRE(cell.empty());
    REQUIRE(row.empty());
    return rows;
}

struct Run {
    int code = -1;
    std::string out;
    std::string err;
};

Run runCentral(std::vector<std::string> args, Central& central) {
    args.push_back("--data");
    args.push_back(central.data.root.string());
    std::ostringstream out;
    std::ostringstream err;
    const int code = server::runCommand(args, out, err);
    return {code, out.str(), err.str()};
}

/// Everything an analyst can count in a CSV export of one round and survey version, checked against that
/// round's report as any account can read it:
/// - every combination of the quasi-identifiers shown (unit, group, period, locale, identifying answers)
///   has at least k rows;
/// - a unit named in the export has exactly the rows the report shows for it (and the report shows it);
///   a unit and week shown together have exactly the report's respondents of that unit in that week;
/// - the rows showing a group are the report's shown count of that group, or, where the report hides the
///   group, the sum of its units the report shows: never a figure the report hides;
/// - no row is withheld when the report shows the municipality; every row is when it hides it;
/// - the answers are the stored ones (each non-identifying column holds the same multiset of values).
/// Returns the parsed rows (without the header).
std::vector<std::vector<std::string>> checkAgainstReport(server::Storage& store, const Exported& exported, const std::string& surveyId,
                                                         const std::string& version, const std::string& round,
                                                         const std::vector<std::string>& identifying, std::int64_t inRound) {
    REQUIRE_MESSAGE(exported.error.empty(), exported.error);
    const auto table = parseCsv(exported.text);
    REQUIRE_FALSE(table.empty());
    const std::vector<std::string>& header = table.front();
    REQUIRE(header.size() >= 6);
    CHECK(std::vector<std::string>(header.begin(), header.begin() + 6) ==
          std::vector<std::string>{"unit", "group", "period", "survey_id", "survey_version", "locale"});
    const std::vector<std::vector<std::string>> rows(table.begin() + 1, table.end());
    CHECK(static_cast<std::int64_t>(rows.size()) == exported.count);

    server::ReportRequest ask;
    ask.surveyId = surveyId;
    ask.version = version;
    ask.round = round;
    ask.weeks = true;
    auto report = server::buildReport(store, ask);
    REQUIRE_MESSAGE(report.ok(), (report.ok() ? "" : report.error().message));
    const int k = report->k;
    const server::ReportRow& total = report->rows.front();
    REQUIRE(total.kind == server::ReportRow::Kind::Total);
    // Which rows are in it: all of them when the report shows the municipality; otherwise those of the
    // groups and units it shows, a sum of figures the report shows.
    CHECK(exported.count + exported.withheld == inRound);
    std::int64_t expected = 0;
    if (total.respondents.shown()) {
        expected = total.respondents.value;
    } else {
        for (const auto& row : report->rows) {
            const server::ReportRow* group = report->find(server::ReportRow::Kind::Group, row.group);
            const bool groupShown = group != nullptr && group->respondents.shown();
            if (row.kind == server::ReportRow::Kind::Group && row.respondents.shown()) expected += row.respondents.value;
            if (row.kind == server::ReportRow::Kind::Unit && row.respondents.shown() && !groupShown) expected += row.respondents.value;
        }
    }
    CHECK(exported.count == expected);

    std::vector<std::size_t> quasi{0, 1, 2, 5};
    for (const auto& name : identifying) {
        const auto at = std::find(header.begin(), header.end(), name);
        REQUIRE(at != header.end());
        quasi.push_back(static_cast<std::size_t>(at - header.begin()));
    }
    std::map<std::vector<std::string>, std::int64_t> classes;
    std::map<std::string, std::int64_t> perUnit;
    std::map<std::string, std::int64_t> perGroup;
    std::map<std::pair<std::string, std::string>, std::int64_t> perUnitWeek;
    for (const auto& row : rows) {
        REQUIRE(row.size() == header.size());
        CHECK(row[3] == surveyId);
        CHECK(row[4] == version);
        std::vector<std::string> values;
        for (const std::size_t column : quasi) values.push_back(row[column]);
        ++classes[values];
        if (row[0] != "*") ++perUnit[row[0]];
        if (row[1] != "*") ++perGroup[row[1]];
        if (row[0] != "*" && row[2] != round) ++perUnitWeek[{row[0], row[2]}];
    }
    // One generalisation for the whole export: a week is shown for every row or for none, and likewise
    // the language and each identifying answer.
    for (const std::size_t column : std::vector<std::size_t>(quasi.begin() + 2, quasi.end())) {
        const std::string generalised = column == 2 ? round : "*";
        const auto generalisedRows = std::count_if(rows.begin(), rows.end(), [&](const auto& row) { return row[column] == generalised; });
        CHECK_MESSAGE((generalisedRows == 0 || generalisedRows == static_cast<std::ptrdiff_t>(rows.size())), header[column] << " is generalised for some rows only");
    }
    for (const auto& row : rows) {
        CHECK_MESSAGE((row[2] == round || std::find(report->weeks.begin(), report->weeks.end(), row[2]) != report->weeks.end()),
                      row[2] << " is neither the round nor one of its weeks");
    }
    for (const auto& [values, count] : classes) {
        std::string shown;
        for (const auto& value : values) shown += value + " | ";
        CHECK_MESSAGE(count >= k, "only " << count << " rows share " << shown);
    }
    for (const auto& [unit, count] : perUnit) {
        const server::ReportRow* row = report->find(server::ReportRow::Kind::Unit, unit);
        REQUIRE_MESSAGE(row != nullptr, "the export names " << unit << ", which the report does not know");
        CHECK_MESSAGE(row->respondents.shown(), "the export names " << unit << ", whose respondents the report hides");
        CHECK_MESSAGE(count == row->respondents.value, unit << ": " << count << " rows, the report shows " << row->respondents.value);
    }
    for (const auto& [unitWeek, count] : perUnitWeek) {
        const server::ReportRow* row = report->find(server::ReportRow::Kind::Unit, unitWeek.first);
        REQUIRE(row != nullptr);
        const auto week = std::find(report->weeks.begin(), report->weeks.end(), unitWeek.second);
        REQUIRE_MESSAGE(week != report->weeks.end(), unitWeek.second << " is not a week of the report");
        const server::Count& part = row->weeks[static_cast<std::size_t>(week - report->weeks.begin())];
        CHECK_MESSAGE(part.shown(), unitWeek.first << " in " << unitWeek.second << ": shown in the export, hidden in the report");
        CHECK_MESSAGE(count == part.value, unitWeek.first << " in " << unitWeek.second << ": " << count << " rows, the report shows " << part.value);
    }
    for (const auto& [shownGroup, count] : perGroup) {
        const std::string group = shownGroup == server::kNoGroup ? "" : shownGroup;
        const server::ReportRow* row = report->find(server::ReportRow::Kind::Group, group);
        if (row != nullptr && row->respondents.shown()) {
            CHECK_MESSAGE(count == row->respondents.value, "group " << shownGroup << ": " << count << " rows, the report shows " << row->respondents.value);
            continue;
        }
        std::int64_t shownUnits = 0;
        for (const auto& unit : report->rows) {
            if (unit.kind == server::ReportRow::Kind::Unit && unit.group == group && unit.respondents.shown()) shownUnits += unit.respondents.value;
        }
        CHECK_MESSAGE(count == shownUnits, "group " << shownGroup << " (hidden in the report): " << count << " rows, its shown units " << shownUnits);
    }
    return rows;
}

/// The values of one column of the stored responses of a round (as the CSV writes simple values).
std::multiset<std::string> storedColumn(server::Storage& store, const server::ResponseFilter& filter, const std::string& column) {
    std::multiset<std::string> values;
    REQUIRE(store.forEachResponseOf(filter, [&](const server::StoredResponse& stored) {
                   const json answers = json::parse(stored.answersJson);
                   if (column == "locale") values.insert(stored.locale);
                   else if (!answers.contains(column)) values.insert("");
                   else if (answers[column].is_string()) values.insert(answers[column].get<std::string>());
                   else values.insert(answers[column].dump());
                   return true;
               }).ok());
    return values;
}

std::multiset<std::string> exportedColumn(const std::vector<std::vector<std::string>>& table, const std::string& column) {
    const auto at = std::find(table.front().begin(), table.front().end(), column);
    REQUIRE(at != table.front().end());
    std::multiset<std::string> values;
    for (std::size_t i = 1; i < table.size(); ++i) values.insert(table[i][static_cast<std::size_t>(at - table.front().begin())]);
    return values;
}

}  // namespace

TEST_CASE("CSV export: fixed columns, then the survey's questions in order; one row per response of the round") {
    Fixture f;
    std::vector<server::StoredResponse> stored;
    append(stored, many(3, "solhoj", "2026-W47", {{"used_tools", true}, {"finding_ease", 4}, {"problem_solved", 2},
                                                  {"help_wanted", {"course", "time"}}, {"training_hours", 12.5}}));
    append(stored, many(2, "solhoj", "2026-W47", {{"used_tools", false}}));
    append(stored, many(5, "vest", "2026-W47", {{"used_tools", true}, {"problem_solved", "none"}, {"training_hours", 0}}));
    f.store(stored);
    f.release();
    const Exported csv = exportText(f.central, {ExportFormat::Csv, "", "", ""});
    REQUIRE_MESSAGE(csv.error.empty(), csv.error);
    CHECK(csv.count == 10);
    CHECK(csv.withheld == 0);
    CHECK(csv.text.rfind("\xEF\xBB\xBF", 0) != 0);
    const auto rows = sortedLines(csv.text);
    REQUIRE(rows.size() == 11);
    CHECK(rows[0] == kHeader + kPulseColumns);
    // Every unit and week has at least 5 respondents, all Danish: nothing needs generalising. Units
    // without a group show "(no group)".
    for (std::size_t i = 1; i <= 2; ++i) CHECK(rows[i] == "solhoj,(no group),2026-W47,pulse,2026.1,da,false,,,,");
    for (std::size_t i = 3; i <= 5; ++i) CHECK(rows[i] == "solhoj,(no group),2026-W47,pulse,2026.1,da,true,4,2,course;time,12.5");
    for (std::size_t i = 6; i <= 10; ++i) CHECK(rows[i] == "vest,(no group),2026-W47,pulse,2026.1,da,true,,none,,0");
    CHECK(csv.explanation.find("Nothing had to be generalised") != std::string::npos);
}

TEST_CASE("CSV export for Danish Excel: BOM, semicolons, decimal commas, a multi-choice cell quoted") {
    Fixture f;
    f.store(many(5, "solhoj", "2026-W47", {{"used_tools", true}, {"help_wanted", {"course", "time"}}, {"training_hours", 12.5}}));
    f.store(many(5, "vest", "2026-W47", {{"used_tools", false}}));
    f.release();
    const Exported csv = exportText(f.central, {ExportFormat::CsvDanish, "pulse", "2026.1", kRoundId});
    REQUIRE_MESSAGE(csv.error.empty(), csv.error);
    REQUIRE(csv.text.rfind("\xEF\xBB\xBF", 0) == 0);
    const auto rows = sortedLines(csv.text.substr(3));
    REQUIRE(rows.size() == 11);
    CHECK(rows[0] == "unit;group;period;survey_id;survey_version;locale;used_tools;finding_ease;problem_solved;help_wanted;training_hours");
    CHECK(rows[1] == "solhoj;(no group);2026-W47;pulse;2026.1;da;true;;;\"course;time\";12,5");
    CHECK(rows[10] == "vest;(no group);2026-W47;pulse;2026.1;da;false;;;;");
}

TEST_CASE("CSV export: answers that a spreadsheet would run are neutralised; negative numbers stay numbers") {
    Fixture f;
    f.publish(exportSurveyPath(), "vest");
    // Five respondents in each unit and week: shown as they are.
    f.store({
        response("vest", "2026-W47", {{"formula", "=cmd|' /C calc'!A0"}, {"tags", {"-first", "æøå"}}, {"decimal", -3}, {"count", 7}}, "export-test", "1"),
        response("vest", "2026-W47", {{"formula", "+1"}, {"decimal", 2.25}}, "export-test", "1"),
        response("vest", "2026-W47", {{"formula", "-1"}}, "export-test", "1"),
        response("vest", "2026-W47", {{"formula", "@SUM(1)"}, {"agree", false}, {"rate", 5}}, "export-test", "1"),
        response("vest", "2026-W47", {{"formula", "plain, \"quoted\"; text"}}, "export-test", "1"),
    });
    f.store(many(5, "solhoj", "2026-W47", {{"formula", "+1"}}, "export-test", "1"));
    f.release();
    const Exported csv = exportText(f.central, {ExportFormat::Csv, "export-test", "", ""});
    REQUIRE_MESSAGE(csv.error.empty(), csv.error);
    const auto rows = sortedLines(csv.text);
    INFO(csv.explanation);
    REQUIRE(rows.size() == 11);
    CHECK(rows[0] == kHeader + "formula,tags,decimal,agree,rate,count");
    for (std::size_t i = 1; i <= 5; ++i) CHECK(rows[i] == "solhoj,(no group),2026-W47,export-test,1,da,\"'+1\",,,,,");
    CHECK(rows[6] == "vest,(no group),2026-W47,export-test,1,da,\"'+1\",,2.25,,,");
    CHECK(rows[7] == "vest,(no group),2026-W47,export-test,1,da,\"'-1\",,,,,");
    CHECK(rows[8] == "vest,(no group),2026-W47,export-test,1,da,\"'=cmd|' /C calc'!A0\",\"'-first;æøå\",-3,,,7");
    CHECK(rows[9] == "vest,(no group),2026-W47,export-test,1,da,\"'@SUM(1)\",,,false,5,");
    CHECK(rows[10] == "vest,(no group),2026-W47,export-test,1,da,\"plain, \"\"quoted\"\"; text\",,,,,");

    const Exported danish = exportText(f.central, {ExportFormat::CsvDanish, "export-test", "1", ""});
    const auto danishRows = sortedLines(danish.text.substr(3));
    REQUIRE(danishRows.size() == 11);
    CHECK(danishRows[6] == "vest;(no group);2026-W47;export-test;1;da;\"'+1\";;2,25;;;");
    CHECK(danishRows[8] == "vest;(no group);2026-W47;export-test;1;da;\"'=cmd|' /C calc'!A0\";\"'-first;æøå\";-3;;;7");
}

TEST_CASE("CSV export: weeks with fewer than k of a unit are shown as the round, by its id, for every row") {
    Fixture f;
    f.store(many(3, "solhoj", "2026-W46", {{"used_tools", true}}));
    f.store(many(3, "solhoj", "2026-W47", {{"used_tools", false}}));
    f.store(many(6, "vest", "2026-W47", {{"used_tools", true}}));
    f.release();
    const Exported csv = exportText(f.central, {ExportFormat::Csv, "", "", ""});
    const auto rows = sortedLines(csv.text);
    REQUIRE(rows.size() == 13);
    for (std::size_t i = 1; i <= 3; ++i) CHECK(rows[i] == "solhoj,(no group),r1,pulse,2026.1,da,false,,,,");
    for (std::size_t i = 4; i <= 6; ++i) CHECK(rows[i] == "solhoj,(no group),r1,pulse,2026.1,da,true,,,,");
    for (std::size_t i = 7; i <= 12; ++i) CHECK(rows[i] == "vest,(no group),r1,pulse,2026.1,da,true,,,,");  // vest's one week too
    CHECK(csv.explanation.find("eeks are shown as the whole round") != std::string::npos);
    checkAgainstReport(*f.central.store, csv, "pulse", "2026.1", kRoundId, {}, 12);
}

TEST_CASE("exports: which survey version and round, and clear errors when it is not clear or not there") {
    Fixture f;
    SUBCASE("no round released yet: nothing to export") {
        f.store(many(10, "solhoj", "2026-W47", {{"used_tools", true}}));
        const std::string noRound = "no round has been released yet: responses are exported only from released rounds "
                                    "(svarboks-central rounds add, then rounds release once the round has ended)";
        CHECK(exportText(f.central, {ExportFormat::Csv, "", "", ""}).error == noRound);
        REQUIRE(server::addRound(*f.central.store, {kRoundId, "2026-W40", "2026-W52", ""}).ok());
        CHECK(exportText(f.central, {ExportFormat::Jsonl, "", "", ""}).error == noRound);  // added is not released
        f.central.fakeClock.advance(std::chrono::hours(24 * 7));
        CHECK(exportText(f.central, {ExportFormat::Jsonl, "", "", ""}).error == noRound);
    }
    SUBCASE("the latest released round by default; another by name; an unknown or unreleased one is an error") {
        f.store(many(5, "solhoj", "2026-W10", {{"used_tools", true}}));
        f.store(many(5, "vest", "2026-W10", {{"used_tools", true}}));
        f.release("first", "2026-W01", "2026-W26");
        f.store(many(5, "solhoj", "2026-W30", {{"used_tools", false}}));
        f.store(many(5, "vest", "2026-W30", {{"used_tools", false}}));
        f.release("second", "2026-W27", "2026-W52");
        const auto latest = exportText(f.central, {ExportFormat::Csv, "", "", ""});
        CHECK(latest.count == 10);
        CHECK(latest.text.find(",2026-W30,") != std::string::npos);
        CHECK(latest.text.find(",2026-W10,") == std::string::npos);
        const auto first = exportText(f.central, {ExportFormat::Csv, "", "", "first"});
        CHECK(first.count == 10);
        CHECK(first.text.find(",2026-W10,") != std::string::npos);
        CHECK(first.text.find(",2026-W30,") == std::string::npos);
        CHECK(exportText(f.central, {ExportFormat::Csv, "", "", "third"}).error == "round 'third' is not a released round (released: first, second)");
        REQUIRE(server::addRound(*f.central.store, {"next", "2027-W01", "2027-W26", ""}).ok());
        CHECK(exportText(f.central, {ExportFormat::Csv, "", "", "next"}).error == "round 'next' is not a released round (released: first, second)");
        auto plan = server::planExport(*f.central.store, {ExportFormat::Csv, "", "", "first"});
        REQUIRE(plan.ok());
        CHECK(plan->round == "first");
        CHECK(plan->k == kK);
        CHECK(plan->fileName() == "svarboks-pulse-2026.1-first.csv");
        CHECK(plan->describe() == "survey pulse 2026.1, round first, csv, k=5");
    }
    SUBCASE("the only survey, its latest version, by default") {
        json second = json::parse(Central::readFile(Central::pulsePath()));
        second["surveyVersion"] = "2026.2";
        second["pages"][0]["elements"].push_back({{"type", "boolean"}, {"name", "new_question"}, {"title", "New?"}});
        const auto file = f.central.dir.path() / "pulse-2.json";
        std::ofstream(file) << second.dump();
        f.publish(file, "solhoj");
        f.store(many(5, "solhoj", "2026-W47", {{"used_tools", true}}));
        f.store(many(5, "vest", "2026-W47", {{"used_tools", true}}));
        f.store(many(5, "solhoj", "2026-W47", {{"used_tools", false}, {"new_question", true}}, "pulse", "2026.2"));
        f.store(many(5, "vest", "2026-W47", {{"used_tools", false}, {"new_question", true}}, "pulse", "2026.2"));
        f.release();
        auto plan = server::planExport(*f.central.store, {ExportFormat::Csv, "", "", ""});
        REQUIRE(plan.ok());
        CHECK(plan->surveyId == "pulse");
        CHECK(plan->version == "2026.2");
        CHECK(plan->round == kRoundId);
        CHECK(plan->questions.back() == "new_question");
        CHECK(plan->identifying.empty());
        CHECK(plan->fileName() == "svarboks-pulse-2026.2-r1.csv");
        const auto latest = sortedLines(exportText(f.central, {ExportFormat::Csv, "", "", ""}).text);
        REQUIRE(latest.size() == 11);
        CHECK(latest[0] == kHeader + kPulseColumns + ",new_question");
        CHECK(latest[1] == "solhoj,(no group),2026-W47,pulse,2026.2,da,false,,,,,true");
        const auto older = sortedLines(exportText(f.central, {ExportFormat::Csv, "pulse", "2026.1", ""}).text);
        REQUIRE(older.size() == 11);
        CHECK(older[1] == "solhoj,(no group),2026-W47,pulse,2026.1,da,true,,,,");

        CHECK(exportText(f.central, {ExportFormat::Csv, "pulse", "9", ""}).error ==
              "survey pulse has no published version '9'; published: pulse (2026.1, 2026.2)");
    }
    SUBCASE("several surveys: say which") {
        f.publish(exportSurveyPath(), "vest");
        f.release();
        CHECK(exportText(f.central, {ExportFormat::Csv, "", "", ""}).error ==
              "several surveys are published: pulse (2026.1); export-test (1); an export holds one survey version: "
              "say which (--survey ID [--version V])");
        CHECK(exportText(f.central, {ExportFormat::CsvDanish, "nope", "", ""}).error ==
              "there is no published survey 'nope'; published: pulse (2026.1); export-test (1)");
        CHECK(exportText(f.central, {ExportFormat::Jsonl, "", "1", ""}).error == "a survey version needs its survey id too (--survey ID)");
        const auto empty = exportText(f.central, {ExportFormat::Csv, "export-test", "", ""});
        CHECK(empty.error.empty());
        CHECK(empty.count == 0);
        CHECK(lines(empty.text) == std::vector<std::string>{kHeader + "formula,tags,decimal,agree,rate,count"});
    }
}

TEST_CASE("CSV export: an answer the survey does not ask, or stored answers that are not JSON, stop it with the response's id") {
    Fixture f;
    const auto extra = response("solhoj", "2026-W47", {{"used_tools", true}, {"colour", "blue"}});
    f.store({extra});
    f.store(many(5, "solhoj", "2026-W47", {{"used_tools", true}}));
    f.store(many(5, "vest", "2026-W47", {{"used_tools", true}}));
    f.release();
    CHECK(exportText(f.central, {ExportFormat::Csv, "", "", ""}).error ==
          "response " + extra.id + ": an answer to 'colour', which survey pulse 2026.1 does not ask");

    Fixture broken;
    auto bad = response("solhoj", "2026-W47", {{"used_tools", true}});
    bad.answersJson = R"({"used_tools":tru})";
    broken.store({bad});
    broken.store(many(5, "solhoj", "2026-W47", {{"used_tools", true}}));
    broken.store(many(5, "vest", "2026-W47", {{"used_tools", true}}));
    broken.release();
    const std::string expected = "response " + bad.id + ": the stored answers are not a JSON object (expected a value at byte 15)";
    CHECK(exportText(broken.central, {ExportFormat::Csv, "", "", ""}).error == expected);
    CHECK(exportText(broken.central, {ExportFormat::Jsonl, "", "", ""}).error == expected);
}

TEST_CASE("JSON Lines export: the documented keys in order, no id, and the answers exactly as stored") {
    Fixture f;
    f.publish(exportSurveyPath(), "vest");
    const json pulseAnswers = {{"used_tools", true}, {"help_wanted", {"course"}}, {"training_hours", 1.25}};
    const json otherAnswers = {{"formula", "=cmd|' /C calc'!A0"}, {"tags", {"æøå"}}};
    const auto pulse = many(5, "solhoj", "2026-W47", pulseAnswers);
    f.store(pulse);
    f.store(many(5, "vest", "2026-W47", pulseAnswers));
    f.store(many(5, "vest", "2026-W47", otherAnswers, "export-test", "1"));
    f.store(many(5, "solhoj", "2026-W47", otherAnswers, "export-test", "1"));
    f.release();
    const Exported all = exportText(f.central, {ExportFormat::Jsonl, "pulse", "", ""});
    REQUIRE_MESSAGE(all.error.empty(), all.error);
    CHECK(all.count == 10);
    const auto rows = lines(all.text, "\n");
    REQUIRE(rows.size() == 10);
    std::map<std::string, int> units;
    for (const auto& row : rows) {
        const auto line = nlohmann::ordered_json::parse(row);
        std::vector<std::string> keys;
        for (const auto& [name, value] : line.items()) keys.push_back(name);
        CHECK(keys == std::vector<std::string>{"unit", "group", "period", "survey_id", "survey_version", "locale", "answers"});
        CHECK(row == line.dump());  // compact, as the export always wrote it
        CHECK(json(line["answers"]) == pulseAnswers);
        CHECK(line["survey_id"] == "pulse");
        CHECK(line["group"] == "(no group)");
        CHECK(line["period"] == "2026-W47");
        ++units[line["unit"].get<std::string>()];
    }
    CHECK(units == std::map<std::string, int>{{"solhoj", 5}, {"vest", 5}});
    for (const auto& stored : pulse) CHECK(all.text.find(stored.id) == std::string::npos);  // nothing links a row to the store

    const Exported other = exportText(f.central, {ExportFormat::Jsonl, "export-test", "", ""});
    CHECK(other.count == 10);
    CHECK(other.text.find("=cmd") != std::string::npos);  // JSON is data, not a spreadsheet: nothing is changed
}

TEST_CASE("exports stream: the sink gets chunks while the store is read, and a refusing sink stops the export") {
    Fixture f;
    std::vector<server::StoredResponse> stored;
    for (int i = 0; i < 3000; ++i) {
        stored.push_back(response(i % 2 == 0 ? "solhoj" : "vest", "2026-W47",
                                  {{"used_tools", true}, {"finding_ease", 1 + i % 5}, {"help_wanted", {"course", "colleague"}}, {"training_hours", i % 200}}));
    }
    f.store(stored);
    f.release();
    for (const auto format : {ExportFormat::Csv, ExportFormat::CsvDanish, ExportFormat::Jsonl}) {
        CAPTURE(server::exportFormatName(format));
        std::size_t chunks = 0;
        std::size_t largest = 0;
        std::vector<std::pair<std::int64_t, std::int64_t>> progress;
        auto exported = server::exportResponses(*f.central.store, server::ExportOptions{format, "pulse", "", ""},
            [&](std::string_view chunk) {
                ++chunks;
                largest = std::max(largest, chunk.size());
                return true;
            },
            [&](std::int64_t done, std::int64_t total) { progress.emplace_back(done, total); });
        REQUIRE(exported.ok());
        CHECK(exported->rows == 3000);
        CHECK(chunks >= 3);
        CHECK(largest < 80 * 1024);
        REQUIRE(progress.size() >= 2);
        CHECK(progress.front() == std::pair<std::int64_t, std::int64_t>(0, 3000));
        CHECK(progress.back() == std::pair<std::int64_t, std::int64_t>(3000, 3000));

        int calls = 0;
        auto refused = server::exportResponses(*f.central.store, server::ExportOptions{format, "pulse", "", ""}, [&](std::string_view) {
            ++calls;
            return false;
        });
        REQUIRE_FALSE(refused.ok());
        CHECK(refused.error().message.find("the output took no more data") != std::string::npos);
        CHECK(calls == 1);
    }
}

TEST_CASE("export to a file: written through a temporary file; after a failure there is no new or half file") {
    Fixture f;
    std::vector<server::StoredResponse> stored;
    for (int i = 0; i < 200; ++i) stored.push_back(response(i < 100 ? "solhoj" : "vest", "2026-W47", {{"used_tools", true}, {"training_hours", i}}));
    SUBCASE("a bad stored row half way: no file at all") {
        auto bad = response("vest", "2026-W47", {{"used_tools", true}});
        bad.answersJson = "[]";
        stored.push_back(bad);
        f.store(stored);
        f.release();
        const auto folder = f.central.dir.path() / "exports";
        fs::create_directories(folder);
        const auto plan = server::planExport(*f.central.store, {ExportFormat::Csv, "", "", ""});
        REQUIRE(plan.ok());
        auto failed = server::exportToFile(*f.central.store, *plan, folder / "pulse.csv");
        REQUIRE_FALSE(failed.ok());
        CHECK(failed.error().message.find("response " + bad.id) == 0);
        CHECK(failed.error().message.find("; no file was written") != std::string::npos);
        CHECK(fs::is_empty(folder));
        return;
    }
    f.store(stored);
    f.release();
    const auto folder = f.central.dir.path() / "exports";
    fs::create_directories(folder);
    const auto target = folder / "pulse.csv";
    const auto plan = server::planExport(*f.central.store, {ExportFormat::Csv, "", "", ""});
    REQUIRE(plan.ok());
    const auto onlyTarget = [&] {
        std::vector<std::string> names;
        for (const auto& entry : fs::directory_iterator(folder)) names.push_back(entry.path().filename().string());
        return names;
    };

    auto written = server::exportToFile(*f.central.store, *plan, target);
    REQUIRE_MESSAGE(written.ok(), (written.ok() ? "" : written.error().message));
    CHECK(written->rows == 200);
    CHECK(lines(Central::readFile(target)).size() == 201);
    CHECK(onlyTarget() == std::vector<std::string>{"pulse.csv"});
    CHECK((fs::status(target).permissions() & (fs::perms::group_all | fs::perms::others_all)) == fs::perms::none);

    SUBCASE("the disk fills up (a file size limit): the earlier file stays as it was") {
        std::ofstream(target, std::ios::trunc) << "the earlier export\n";
        struct rlimit before {};
        REQUIRE(::getrlimit(RLIMIT_FSIZE, &before) == 0);
        struct rlimit small = before;
        small.rlim_cur = 1024;
        const auto previous = ::signal(SIGXFSZ, SIG_IGN);
        REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
        auto failed = server::exportToFile(*f.central.store, *plan, target);
        REQUIRE(::setrlimit(RLIMIT_FSIZE, &before) == 0);
        ::signal(SIGXFSZ, previous);
        REQUIRE_FALSE(failed.ok());
        CHECK(failed.error().message == target.string() + ": cannot write: File too large; no file was written");
        CHECK(Central::readFile(target) == "the earlier export\n");
        CHECK(onlyTarget() == std::vector<std::string>{"pulse.csv"});
    }
    SUBCASE("a folder that does not exist") {
        auto failed = server::exportToFile(*f.central.store, *plan, folder / "missing" / "x.csv");
        REQUIRE_FALSE(failed.ok());
        CHECK(failed.error().message.find("cannot create a file in") != std::string::npos);
    }
}

// ---- the analyst who tries to single people out ----

TEST_CASE("attack: a 2-person unit in a group is never named, and no count of rows gives what the report hides") {
    Fixture f;
    f.setGroup("solhoj", "north");
    f.setGroup("vest", "north");
    f.addUnit("nord3", "north");
    f.addUnit("syd1", "south");
    f.addUnit("syd2", "south");
    const json answers = {{"used_tools", true}, {"finding_ease", 3}};
    f.store(many(12, "solhoj", "2026-W47", answers));
    f.store(many(2, "vest", "2026-W47", {{"used_tools", false}, {"finding_ease", 1}}));  // the two whose page says "fewer than 5"
    f.store(many(9, "nord3", "2026-W47", answers));
    f.store(many(10, "syd1", "2026-W47", answers));
    f.store(many(8, "syd2", "2026-W47", answers));
    f.release();

    server::ReportRequest ask;
    auto report = server::buildReport(*f.central.store, ask);
    REQUIRE(report.ok());
    const server::ReportRow* vest = report->find(server::ReportRow::Kind::Unit, "vest");
    REQUIRE(vest != nullptr);
    REQUIRE(vest->respondents.hidden == server::Hidden::FewerThanK);

    const Exported csv = exportText(f.central, {ExportFormat::Csv, "", "", ""});
    const auto rows = checkAgainstReport(*f.central.store, csv, "pulse", "2026.1", kRoundId, {}, 41);
    CHECK(csv.count == 41);  // nobody is left out: the two are in the export, only not as vest
    int starred = 0;
    for (const auto& row : rows) {
        CHECK(row[0] != "vest");
        if (row[0] == "*") ++starred;
    }
    CHECK(starred >= kK);  // vest's two stand among at least k rows that name no unit
    CHECK(csv.text.find("vest") == std::string::npos);

    // The JSON Lines export shows the same.
    const Exported jsonl = exportText(f.central, {ExportFormat::Jsonl, "", "", ""});
    CHECK(jsonl.count == 41);
    CHECK(jsonl.text.find("\"vest\"") == std::string::npos);

    // The unit moved to another group after the release: the export keeps the round's groups.
    f.setGroup("vest", "south");
    CHECK(exportText(f.central, {ExportFormat::Csv, "", "", ""}).text == csv.text);
}

TEST_CASE("attack: the one English respondent: the language is generalised for every row, not shown and not withheld") {
    Fixture f;
    f.store(many(9, "solhoj", "2026-W47", {{"used_tools", true}}));
    f.store({response("solhoj", "2026-W47", {{"used_tools", false}, {"finding_ease", 1}}, "pulse", "2026.1", "en")});
    f.store(many(6, "vest", "2026-W47", {{"used_tools", true}}));
    f.release();
    for (const auto format : {ExportFormat::Csv, ExportFormat::Jsonl}) {
        CAPTURE(server::exportFormatName(format));
        const Exported exported = exportText(f.central, {format, "", "", ""});
        REQUIRE_MESSAGE(exported.error.empty(), exported.error);
        CHECK(exported.count == 16);
        CHECK(exported.withheld == 0);
        CHECK(exported.text.find(format == ExportFormat::Csv ? ",en," : "\"en\"") == std::string::npos);
        CHECK(exported.explanation.find("he language is not shown") != std::string::npos);
    }
    const Exported csv = exportText(f.central, {ExportFormat::Csv, "", "", ""});
    const auto rows = checkAgainstReport(*f.central.store, csv, "pulse", "2026.1", kRoundId, {}, 16);
    for (const auto& row : rows) {
        CHECK(row[5] == "*");
        CHECK(row[2] == "2026-W47");  // the language is cheaper to give up than the week
        CHECK(row[0] != "*");         // and much cheaper than the unit
    }
    // The English respondent's answers are in the export, as one of ten rows of solhoj.
    int solhoj = 0;
    int unused = 0;
    for (const auto& row : rows) {
        if (row[0] == "solhoj") ++solhoj;
        if (row[0] == "solhoj" && row[6] == "false") ++unused;
    }
    CHECK(solhoj == 10);
    CHECK(unused == 1);
}

TEST_CASE("attack: a unique answer to a question the survey marks identifying is withheld as '*'") {
    Fixture f;
    const auto survey = publishJson(*f.central.store, identifyingSurvey());
    f.surveys.emplace(key(survey.id, survey.version), survey);
    std::vector<server::StoredResponse> stored;
    append(stored, many(6, "solhoj", "2026-W47", {{"workplace", "home_care"}, {"mood", 4}}, "ident", "1"));
    append(stored, many(5, "solhoj", "2026-W47", {{"workplace", "school"}, {"mood", 3}}, "ident", "1"));
    stored.push_back(response("solhoj", "2026-W47", {{"workplace", "kitchen"}, {"mood", 1}}, "ident", "1"));  // the only one in the kitchen
    append(stored, many(6, "vest", "2026-W47", {{"workplace", "home_care"}, {"mood", 5}}, "ident", "1"));
    f.store(stored);
    f.release();

    auto plan = server::planExport(*f.central.store, {ExportFormat::Csv, "ident", "", ""});
    REQUIRE(plan.ok());
    CHECK(plan->identifying == std::vector<std::string>{"workplace"});
    const Exported csv = exportText(f.central, {ExportFormat::Csv, "ident", "", ""});
    const auto rows = checkAgainstReport(*f.central.store, csv, "ident", "1", kRoundId, {"workplace"}, 18);
    CHECK(csv.count == 18);
    CHECK(csv.withheld == 0);
    CHECK(csv.text.find("kitchen") == std::string::npos);
    CHECK(csv.text.find("school") == std::string::npos);  // withheld for every row, not only the rare one
    CHECK(csv.explanation.find("he answers to \"workplace\" are not shown") != std::string::npos);
    std::multiset<std::string> moods;
    for (const auto& row : rows) {
        CHECK(row[6] == "*");
        CHECK(row[0] != "*");  // the unit and week stay: giving up the answer is cheaper
        CHECK(row[2] == "2026-W47");
        moods.insert(row[7]);
    }
    CHECK(moods == storedColumn(*f.central.store, {"ident", "1", kRoundId}, "mood"));  // the other answers are all there

    const Exported jsonl = exportText(f.central, {ExportFormat::Jsonl, "ident", "", ""});
    REQUIRE_MESSAGE(jsonl.error.empty(), jsonl.error);
    CHECK(jsonl.text.find("kitchen") == std::string::npos);
    for (const auto& row : lines(jsonl.text, "\n")) {
        const auto line = nlohmann::ordered_json::parse(row);
        std::vector<std::string> keys;
        for (const auto& [name, value] : line.items()) keys.push_back(name);
        CHECK(keys == std::vector<std::string>{"unit", "group", "period", "survey_id", "survey_version", "locale", "answers", "withheld"});
        CHECK_FALSE(line["answers"].contains("workplace"));
        CHECK(line["answers"].contains("mood"));
        CHECK(line["withheld"] == json::array({"workplace"}));
    }
}

TEST_CASE("identifying answers that each at least k gave are shown as given") {
    Fixture f;
    const auto survey = publishJson(*f.central.store, identifyingSurvey());
    f.surveys.emplace(key(survey.id, survey.version), survey);
    f.store(many(6, "solhoj", "2026-W47", {{"workplace", "home_care"}, {"mood", 4}}, "ident", "1"));
    f.store(many(5, "solhoj", "2026-W47", {{"workplace", "school"}, {"mood", 3}}, "ident", "1"));
    f.store(many(6, "vest", "2026-W47", {{"workplace", "home_care"}, {"mood", 5}}, "ident", "1"));
    f.release();
    const Exported shown = exportText(f.central, {ExportFormat::Csv, "ident", "", ""});
    checkAgainstReport(*f.central.store, shown, "ident", "1", kRoundId, {"workplace"}, 17);
    CHECK(exportedColumn(parseCsv(shown.text), "workplace") == storedColumn(*f.central.store, {"ident", "1", kRoundId}, "workplace"));
    const Exported jsonl = exportText(f.central, {ExportFormat::Jsonl, "ident", "", ""});
    CHECK(jsonl.text.find("withheld") == std::string::npos);
}

TEST_CASE("attack: fewer than k in the whole round: no rows, and the explanation says so without the number") {
    Fixture f;
    f.store(many(3, "solhoj", "2026-W47", {{"used_tools", true}}));
    f.store(many(1, "vest", "2026-W47", {{"used_tools", false}}));
    f.release();
    for (const auto format : {ExportFormat::Csv, ExportFormat::CsvDanish, ExportFormat::Jsonl}) {
        CAPTURE(server::exportFormatName(format));
        const Exported exported = exportText(f.central, {format, "", "", ""});
        REQUIRE_MESSAGE(exported.error.empty(), exported.error);
        CHECK(exported.count == 0);
        if (format == ExportFormat::Jsonl) CHECK(exported.text.empty());
        if (format == ExportFormat::Csv) CHECK(exported.text == kHeader + kPulseColumns + "\r\n");
        CHECK(exported.explanation.find("fewer than 5") != std::string::npos);
        for (const char* number : {"1", "3", "4"}) CHECK_MESSAGE(exported.explanation.find(number) == std::string::npos, exported.explanation);
    }
    // The command line says the same, and only that.
    const auto cli = runCentral({"export", "--format", "csv"}, f.central);
    CHECK(cli.code == 0);
    CHECK(cli.out == kHeader + kPulseColumns + "\r\n");
    CHECK(cli.err.find("fewer than 5") != std::string::npos);
    for (const char* number : {"1", "3", "4"}) CHECK_MESSAGE(cli.err.find(number) == std::string::npos, cli.err);
}

TEST_CASE("attack: the same export asked again, after late arrivals and a unit's move, is byte for byte the same") {
    Fixture f;
    f.setGroup("solhoj", "north");
    f.setGroup("vest", "north");
    f.addUnit("syd1", "south");
    std::vector<server::StoredResponse> stored;
    for (int i = 0; i < 40; ++i) {
        stored.push_back(response(i % 3 == 0 ? "solhoj" : (i % 3 == 1 ? "vest" : "syd1"), i % 2 == 0 ? "2026-W46" : "2026-W47",
                                  {{"used_tools", i % 4 == 0}, {"finding_ease", 1 + i % 5}}, "pulse", "2026.1", i % 7 == 0 ? "en" : "da"));
    }
    f.store(stored);
    f.release();
    std::map<ExportFormat, std::string> first;
    for (const auto format : {ExportFormat::Csv, ExportFormat::CsvDanish, ExportFormat::Jsonl}) {
        const Exported exported = exportText(f.central, {format, "", "", ""});
        REQUIRE_MESSAGE(exported.error.empty(), exported.error);
        CHECK(exported.count == 40);
        first[format] = exported.text;
        CHECK(exportText(f.central, {format, "", "", ""}).text == exported.text);
    }
    // One late respondent in each unit and week of the round (a kiosk that was offline), one after it, a move.
    f.store({response("solhoj", "2026-W47", {{"used_tools", false}}), response("vest", "2026-W46", {{"used_tools", true}}),
             response("syd1", "2026-W47", {{"used_tools", true}}, "pulse", "2026.1", "en"), response("syd1", "2027-W02", {{"used_tools", true}})});
    f.setGroup("syd1", "north");
    for (const auto format : {ExportFormat::Csv, ExportFormat::CsvDanish, ExportFormat::Jsonl}) {
        CAPTURE(server::exportFormatName(format));
        const Exported again = exportText(f.central, {format, "", "", ""});
        CHECK(again.count == 40);
        CHECK(again.text == first[format]);
    }
}

TEST_CASE("property: on many small generated stores every exported combination has at least k rows and every count matches the report") {
    std::mt19937 random(20261206);
    const auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(random); };
    int generalisedUnits = 0;
    int keptWeeks = 0;
    int hiddenTotals = 0;
    int withheldAnswers = 0;
    for (int store = 0; store < 60; ++store) {
        CAPTURE(store);
        test::ServerTempDir dir;
        fs::create_directories(dir.path());
        std::unique_ptr<test::TestDatabase> database;
        auto opened = test::openTestStore(dir.path() / "central.db", database);
        server::Storage& db = *opened;
        const int k = pick(0, 3) == 0 ? 6 : kK;
        if (k != kK) REQUIRE(db.setGroupSize(k).ok());
        Surveys surveys;
        const auto survey = publishJson(db, identifyingSurvey("prop", "1"));
        surveys.emplace(key(survey.id, survey.version), survey);

        const int groups = pick(0, 3);
        const int units = pick(2, 6);
        const int weeks = pick(1, 4);
        std::vector<server::StoredResponse> stored;
        for (int u = 0; u < units; ++u) {
            const std::string unit = "u" + std::to_string(u);
            REQUIRE(db.addUnit({unit, "Unit " + std::to_string(u), groups == 0 || pick(0, 5) == 0 ? "" : "g" + std::to_string(pick(1, groups))}).ok());
            const int size = pick(0, 3) == 0 ? pick(0, 3) : pick(4, 16);
            for (int i = 0; i < size; ++i) {
                json answers = {{"mood", pick(1, 5)}};
                const int where = pick(0, 19);
                if (where > 0) answers["workplace"] = where < 12 ? "home_care" : (where < 18 ? "school" : "kitchen");
                stored.push_back(response(unit, "2026-W4" + std::to_string(pick(1, weeks)), answers, "prop", "1", pick(0, 9) == 0 ? "en" : "da"));
            }
        }
        storeInto(db, surveys, stored);
        releaseInto(db, server::TimePoint(std::chrono::seconds(1'795'435'200)));
        // Late arrivals and a move after the release change nothing.
        storeInto(db, surveys, {response("u0", "2026-W41", {{"mood", 1}}, "prop", "1", "en")});
        if (groups > 0) REQUIRE(db.setUnitGroup("u1", "g1").ok());

        const Exported csv = exportFrom(db, {ExportFormat::Csv, "", "", ""});
        const auto rows = checkAgainstReport(db, csv, "prop", "1", kRoundId, {"workplace"}, static_cast<std::int64_t>(stored.size()));
        hiddenTotals += csv.withheld > 0 ? 1 : 0;
        if (csv.withheld > 0) continue;  // the columns below hold only some of the stored answers
        const auto table = parseCsv(csv.text);
        const server::ResponseFilter round{"prop", "1", kRoundId};
        CHECK(exportedColumn(table, "mood") == storedColumn(db, round, "mood"));
        const auto workplaces = exportedColumn(table, "workplace");
        if (workplaces.count("*") == 0) CHECK(workplaces == storedColumn(db, round, "workplace"));
        else CHECK(workplaces.count("*") == rows.size());
        const auto locales = exportedColumn(table, "locale");
        if (locales.count("*") == 0) CHECK(locales == storedColumn(db, round, "locale"));
        else CHECK(locales.count("*") == rows.size());
        generalisedUnits += std::any_of(rows.begin(), rows.end(), [](const auto& row) { return row[0] == "*"; }) ? 1 : 0;
        keptWeeks += std::any_of(rows.begin(), rows.end(), [](const auto& row) { return row[2] != kRoundId; }) ? 1 : 0;
        withheldAnswers += workplaces.count("*") > 0 ? 1 : 0;

        // JSON Lines shows the same rows.
        const Exported jsonl = exportFrom(db, {ExportFormat::Jsonl, "", "", ""});
        CHECK(jsonl.count == csv.count);
    }
    // The generated stores reach every branch: rows withheld with the municipality's figure, units
    // generalised, weeks kept, identifying answers withheld.
    CHECK(hiddenTotals > 0);
    CHECK(generalisedUnits > 0);
    CHECK(keptWeeks > 0);
    CHECK(withheldAnswers > 0);
}

TEST_CASE("attack: the rows are not in unit or week order, which would show where the generalised ones belong") {
    Fixture f;
    f.addUnit("aa", "");
    std::vector<server::StoredResponse> stored;
    for (const char* unit : {"aa", "solhoj", "vest"}) {
        for (const char* week : {"2026-W46", "2026-W47"}) append(stored, many(5, unit, week, {{"used_tools", true}}));
    }
    f.store(stored);  // stored in unit and week order
    f.release();
    const auto table = parseCsv(exportText(f.central, {ExportFormat::Csv, "", "", ""}).text);
    REQUIRE(table.size() == 31);
    std::vector<std::string> units;
    std::vector<std::string> unitWeeks;
    for (std::size_t i = 1; i < table.size(); ++i) {
        units.push_back(table[i][0]);
        unitWeeks.push_back(table[i][0] + " " + table[i][2]);
    }
    CHECK_FALSE(std::is_sorted(units.begin(), units.end()));
    CHECK_FALSE(std::is_sorted(unitWeeks.begin(), unitWeeks.end()));
    std::size_t runs = 1;
    for (std::size_t i = 1; i < units.size(); ++i) runs += units[i] != units[i - 1] ? 1U : 0U;
    CHECK(runs > 6);  // interleaved, not three blocks (10 rows of 3 units in a random order have about 20 runs)
}

TEST_CASE("codebook: every column of the export, with its question's texts and each value's label in Danish and English") {
    Fixture f;
    f.store(many(5, "solhoj", "2026-W47", {{"used_tools", true}}));
    f.release();
    const shared::Survey& pulse = f.central.pulse;
    for (const ExportFormat format : {ExportFormat::Csv, ExportFormat::CsvDanish}) {
        auto plan = server::planExport(*f.central.store, {format, "", "", ""});
        REQUIRE_MESSAGE(plan.ok(), plan.error().message);
        const std::string data = exportText(f.central, {format, "", "", ""}).text;
        std::string codebook = server::codebookFor(*plan->survey, format);
        std::string header = data.substr(0, data.find("\r\n"));
        const char separator = format == ExportFormat::CsvDanish ? ';' : ',';
        if (format == ExportFormat::CsvDanish) {  // the export's dialect: a BOM first, ';' between cells
            REQUIRE(codebook.rfind("\xEF\xBB\xBF", 0) == 0);
            codebook.erase(0, 3);
            header.erase(0, 3);
        }
        const auto table = parseCsv(codebook, separator);
        REQUIRE(table.size() > 1);
        CHECK(table[0] == std::vector<std::string>{"survey_id", "survey_version", "definition_sha256", "column", "kind", "value", "identifying",
                                                   "area", "text_da", "text_en"});
        std::map<std::string, std::vector<std::string>> columns;                 // column -> its row
        std::map<std::string, std::map<std::string, std::vector<std::string>>> values;  // column -> value -> its row
        for (std::size_t i = 1; i < table.size(); ++i) {
            const auto& row = table[i];
            REQUIRE(row.size() == 10);
            CHECK(row[0] == "pulse");
            CHECK(row[1] == "2026.1");
            CHECK(row[2] == pulse.definitionSha256);
            if (row[4] == "value") values[row[3]][row[5]] = row;
            else columns[row[3]] = row;
        }
        // Every column of the export, and nothing else.
        std::vector<std::string> exported;
        for (const auto& row : parseCsv(header + "\r\n", separator)) exported = row;
        CHECK(columns.size() == exported.size());
        for (const auto& name : exported) CHECK_MESSAGE(columns.count(name) == 1, name);
        CHECK(columns.at("unit")[8].find("Enhedens id") == 0);
        CHECK(columns.at("unit")[9].find("The unit's id") == 0);
        // Each question: its type, its title in both languages, every value with its label in both.
        for (const auto& element : pulse.elements) {
            if (!element.isQuestion()) continue;
            const auto& row = columns.at(element.name);
            CHECK(row[8] == element.title.text("da"));
            CHECK(row[9] == element.title.text("en"));
            CHECK(row[8] != row[9]);
            for (const auto& choice : element.choices) {
                const std::string value = choice.value.is_string() ? choice.value.get<std::string>() : choice.value.dump();
                REQUIRE_MESSAGE(values[element.name].count(value) == 1, element.name << " " << value);
                CHECK(values[element.name][value][8] == choice.text.text("da"));
                CHECK(values[element.name][value][9] == choice.text.text("en"));
            }
        }
        CHECK(columns.at("used_tools")[4] == "boolean");
        CHECK(columns.at("training_hours")[4] == "number");
        CHECK(columns.at("problem_solved")[4] == "radiogroup");
        CHECK(columns.at("problem_solved")[7] == "everyday");
        CHECK(values.at("problem_solved").at("1")[8] == "Nej, jeg måtte have hjælp");
        CHECK(values.at("problem_solved").at("1")[9] == "No, I needed help");
        CHECK(values.at("help_wanted").at("course")[9] == "A short course");
        CHECK(values.at("used_tools").count("true") == 1);
    }

    // Beside JSON Lines, the same as JSON: values as the answers hold them.
    auto plan = server::planExport(*f.central.store, {ExportFormat::Jsonl, "", "", ""});
    REQUIRE(plan.ok());
    const json book = json::parse(server::codebookFor(*plan->survey, ExportFormat::Jsonl));
    CHECK(book["survey_id"] == "pulse");
    CHECK(book["definition_sha256"] == pulse.definitionSha256);
    REQUIRE(book["columns"].size() == 6 + pulse.questionCount());
    const json& problem = book["columns"][6 + 2];
    CHECK(problem["column"] == "problem_solved");
    CHECK(problem["text"]["en"] == "When something was not working, could you solve it?");
    CHECK(problem["values"][0]["value"] == 1);
    CHECK(problem["values"][0]["text"]["da"] == "Nej, jeg måtte have hjælp");
    CHECK(server::codebookPath("out/svar.jsonl", ExportFormat::Jsonl) == fs::path("out/svar-codebook.json"));
    CHECK(server::codebookPath("svar.csv", ExportFormat::CsvDanish) == fs::path("svar-codebook.csv"));
}

TEST_CASE("export command: formats, round, survey and version, file output, audit, clear errors") {
    Fixture f;
    f.store(many(5, "solhoj", "2026-W47", {{"used_tools", true}, {"training_hours", 2.5}}));
    f.store(many(5, "vest", "2026-W47", {{"used_tools", true}, {"training_hours", 2.5}}));

    const auto early = runCentral({"export", "--format", "csv"}, f.central);
    CHECK(early.code == 1);
    CHECK(early.err.find("no round has been released yet") != std::string::npos);
    const auto added = runCentral({"rounds", "add", "r1", "--from", "2026-W40", "--to", "2026-W52"}, f.central);
    REQUIRE_MESSAGE(added.code == 0, added.err);
    const auto released = runCentral({"rounds", "release", "r1", "--early"}, f.central);
    REQUIRE_MESSAGE(released.code == 0, released.err);

    const auto csv = runCentral({"export", "--format", "csv"}, f.central);
    REQUIRE_MESSAGE(csv.code == 0, csv.err);
    const auto rows = sortedLines(csv.out);
    REQUIRE(rows.size() == 11);
    CHECK(rows[0] == kHeader + kPulseColumns);
    CHECK(rows[1] == "solhoj,(no group),2026-W47,pulse,2026.1,da,true,,,,2.5");
    CHECK(rows[10] == "vest,(no group),2026-W47,pulse,2026.1,da,true,,,,2.5");
    CHECK(csv.err.empty());  // no progress when standard error is not a terminal, and nothing withheld

    const auto danish = runCentral({"export", "--format", "csv-da", "--survey", "pulse", "--version", "2026.1", "--round", "r1"}, f.central);
    REQUIRE(danish.code == 0);
    CHECK(danish.out.rfind("\xEF\xBB\xBFunit;group;period;", 0) == 0);
    CHECK(danish.out.find(";2,5\r\n") != std::string::npos);

    const auto file = f.central.dir.path() / "out.csv";
    const auto toFile = runCentral({"export", "--format", "csv", "--output", file.string()}, f.central);
    REQUIRE(toFile.code == 0);
    const auto codebook = f.central.dir.path() / "out-codebook.csv";
    CHECK(toFile.out == "Exported 10 responses of survey pulse 2026.1, round r1, csv, k=5 to " + file.string() +
                            "\nCodebook (what each column means, in Danish and English): " + codebook.string() + "\n");
    CHECK(toFile.err.find("Nothing had to be generalised") != std::string::npos);
    CHECK(sortedLines(Central::readFile(file)) == rows);
    // The codebook goes with the data: beside it, or where --codebook says (also with the data on standard output).
    CHECK(Central::readFile(codebook) == server::codebookFor(f.central.pulse, ExportFormat::Csv));
    const auto named = f.central.dir.path() / "book.json";
    const auto jsonl = runCentral({"export", "--format", "jsonl", "--codebook", named.string()}, f.central);
    REQUIRE_MESSAGE(jsonl.code == 0, jsonl.err);
    CHECK(jsonl.out.find("Codebook") == std::string::npos);  // standard output holds the data alone
    CHECK(jsonl.err.find("Codebook (what each column means, in Danish and English): " + named.string()) != std::string::npos);
    CHECK(json::parse(Central::readFile(named))["survey_id"] == "pulse");

    // Every export is in the audit log: who (the command line), what, how many rows; newest first.
    auto audit = f.central.store->audit(10);
    REQUIRE(audit.ok());
    std::vector<server::AuditEntry> exports;
    std::copy_if(audit->begin(), audit->end(), std::back_inserter(exports), [](const auto& entry) { return entry.action == "export"; });
    REQUIRE(exports.size() == 4);
    CHECK(exports[0].userName == "(command line)");
    CHECK(exports[0].detail == "survey pulse 2026.1, round r1, jsonl, k=5");
    CHECK(exports[1].detail == "survey pulse 2026.1, round r1, csv, k=5");
    CHECK(exports[0].rows == 10);
    CHECK(exports[2].detail == "survey pulse 2026.1, round r1, csv-da, k=5");
    const auto listed = runCentral({"audit", "list"}, f.central);
    REQUIRE(listed.code == 0);
    CHECK(listed.out.find("survey pulse 2026.1, round r1, csv-da, k=5") != std::string::npos);

    // k is the store's policy, kept by the round: an export cannot choose its own, lower or higher.
    for (const char* k : {"3", "5", "10"}) {
        const auto refused = runCentral({"export", "--format", "csv", "--k", k}, f.central);
        CHECK(refused.code == 2);
        CHECK(refused.out.empty());
        CHECK(refused.err.find("--k") != std::string::npos);
    }
    auto after = f.central.store->audit(10);
    REQUIRE(after.ok());
    CHECK(std::count_if(after->begin(), after->end(), [](const auto& entry) { return entry.action == "export"; }) == 4);

    const auto unknownFormat = runCentral({"export", "--format", "xlsx"}, f.central);
    CHECK(unknownFormat.code == 2);
    CHECK(unknownFormat.err.find("--format: xlsx not in {csv,csv-da,jsonl}") != std::string::npos);
    const auto unknownSurvey = runCentral({"export", "--format", "csv", "--survey", "nope"}, f.central);
    CHECK(unknownSurvey.code == 1);
    CHECK(unknownSurvey.err.find("there is no published survey 'nope'; published: pulse (2026.1)") != std::string::npos);
    const auto unknownVersion = runCentral({"export", "--format", "csv", "--survey", "pulse", "--version", "3"}, f.central);
    CHECK(unknownVersion.code == 1);
    CHECK(unknownVersion.err.find("survey pulse has no published version '3'") != std::string::npos);
    const auto unknownRound = runCentral({"export", "--format", "csv", "--round", "r2"}, f.central);
    CHECK(unknownRound.code == 1);
    CHECK(unknownRound.err.find("round 'r2' is not a released round (released: r1)") != std::string::npos);
    const auto failed = runCentral({"export", "--format", "csv", "--output", (f.central.dir.path() / "nowhere" / "x.csv").string()}, f.central);
    CHECK(failed.code == 1);
    CHECK_FALSE(fs::exists(f.central.dir.path() / "nowhere"));
}

TEST_CASE("terminal progress: in place, at most five times a second, then a final line") {
    std::ostringstream out;
    auto now = std::chrono::steady_clock::time_point();
    server::TerminalProgress progress(out, [&now] { return now; });
    progress.update(0, 10000);
    progress.update(4096, 10000);  // within 200 ms: not shown
    now += std::chrono::milliseconds(250);
    progress.update(8192, 10000);
    progress.update(10000, 10000);
    progress.finish();
    CHECK(out.str() == "\rExporting: 0 of 10000 responses (0 %)"
                       "\rExporting: 8192 of 10000 responses (81 %)"
                       "\rExporting: 10000 of 10000 responses (100 %)\n");
}
