// Exports from the central store: the CSV writer (dialects, quoting, CSV-injection neutralisation) and
// exportResponses (columns, values, survey and version choice, streaming to a sink, the CLI command).
#include "svarboks/server/admin.hpp"
#include "svarboks/server/csv.hpp"
#include "svarboks/server/export.hpp"
#include "svarboks/shared/hashing.hpp"
#include "test_server_fixture.hpp"

#include <doctest/doctest.h>

#include <sys/resource.h>
#include <signal.h>

#include <limits>
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

/// Stores responses as a batch would, without sealing (the export reads only what is stored).
void storeResponses(Central& central, const std::vector<server::StoredResponse>& responses) {
    std::vector<server::IncomingItem> items;
    for (const auto& response : responses) {
        server::IncomingItem item;
        item.id = response.id;
        item.sealed = "sealed-" + response.id;
        item.sealedSha256 = shared::sha256Hex(item.sealed);
        item.response = response;
        items.push_back(std::move(item));
    }
    auto stored = central.store->storeItems(items, "2026-W48");
    REQUIRE_MESSAGE(stored.ok(), (stored.ok() ? "" : stored.error().message));
}

server::StoredResponse response(const std::string& unit, const std::string& period, const json& answers,
                                const std::string& survey = "pulse", const std::string& version = "2026.1") {
    return {shared::newUuidV4(), unit, survey, version, period, "da", answers.dump()};
}

struct Exported {
    std::string text;
    std::string error;
    std::int64_t count = -1;
};

Exported exportText(Central& central, server::ExportOptions options) {
    Exported out;
    auto result = server::exportResponses(*central.store, options, [&out](std::string_view chunk) {
        out.text.append(chunk);
        return true;
    });
    if (result) out.count = *result;
    else out.error = result.error().message;
    return out;
}

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

}  // namespace

TEST_CASE("CSV export: fixed columns, then the survey's questions in order; one row per response") {
    Central central;
    storeResponses(central, {
        response("solhoj", "2026-W47", {{"used_tools", true}, {"finding_ease", 4}, {"problem_solved", 2},
                                        {"help_wanted", {"course", "time"}}, {"training_hours", 12.5}}),
        response("solhoj", "2026-W48", {{"used_tools", false}}),
        response("vest", "2026-W47", {{"used_tools", true}, {"problem_solved", "none"}, {"training_hours", 0}}),
    });
    const Exported csv = exportText(central, {ExportFormat::Csv, "", ""});
    REQUIRE_MESSAGE(csv.error.empty(), csv.error);
    CHECK(csv.count == 3);
    CHECK(csv.text.rfind("\xEF\xBB\xBF", 0) != 0);
    const auto rows = lines(csv.text);
    REQUIRE(rows.size() == 4);
    CHECK(rows[0] == "unit,period,survey_id,survey_version,locale,used_tools,finding_ease,problem_solved,help_wanted,training_hours");
    CHECK(rows[1] == "solhoj,2026-W47,pulse,2026.1,da,true,4,2,course;time,12.5");
    CHECK(rows[2] == "solhoj,2026-W48,pulse,2026.1,da,false,,,,");
    CHECK(rows[3] == "vest,2026-W47,pulse,2026.1,da,true,,none,,0");
}

TEST_CASE("CSV export for Danish Excel: BOM, semicolons, decimal commas, a multi-choice cell quoted") {
    Central central;
    storeResponses(central, {response("solhoj", "2026-W47", {{"used_tools", true}, {"help_wanted", {"course", "time"}}, {"training_hours", 12.5}})});
    const Exported csv = exportText(central, {ExportFormat::CsvDanish, "pulse", "2026.1"});
    REQUIRE_MESSAGE(csv.error.empty(), csv.error);
    REQUIRE(csv.text.rfind("\xEF\xBB\xBF", 0) == 0);
    const auto rows = lines(csv.text.substr(3));
    REQUIRE(rows.size() == 2);
    CHECK(rows[0] == "unit;period;survey_id;survey_version;locale;used_tools;finding_ease;problem_solved;help_wanted;training_hours");
    CHECK(rows[1] == "solhoj;2026-W47;pulse;2026.1;da;true;;;\"course;time\";12,5");
}

TEST_CASE("CSV export: answers that a spreadsheet would run are neutralised; negative numbers stay numbers") {
    Central central;
    central.publish(exportSurveyPath(), "vest");
    storeResponses(central, {
        response("vest", "2026-W47", {{"formula", "=cmd|' /C calc'!A0"}, {"tags", {"-first", "æøå"}}, {"decimal", -3}, {"count", 7}}, "export-test", "1"),
        response("vest", "2026-W48", {{"formula", "+1"}, {"decimal", 2.25}}, "export-test", "1"),
        response("vest", "2026-W49", {{"formula", "-1"}}, "export-test", "1"),
        response("vest", "2026-W50", {{"formula", "@SUM(1)"}, {"agree", false}, {"rate", 5}}, "export-test", "1"),
        response("vest", "2026-W51", {{"formula", "plain, \"quoted\"; text"}}, "export-test", "1"),
    });
    const Exported csv = exportText(central, {ExportFormat::Csv, "export-test", ""});
    REQUIRE_MESSAGE(csv.error.empty(), csv.error);
    const auto rows = lines(csv.text);
    REQUIRE(rows.size() == 6);
    CHECK(rows[0] == "unit,period,survey_id,survey_version,locale,formula,tags,decimal,agree,rate,count");
    CHECK(rows[1] == "vest,2026-W47,export-test,1,da,\"'=cmd|' /C calc'!A0\",\"'-first;æøå\",-3,,,7");
    CHECK(rows[2] == "vest,2026-W48,export-test,1,da,\"'+1\",,2.25,,,");
    CHECK(rows[3] == "vest,2026-W49,export-test,1,da,\"'-1\",,,,,");
    CHECK(rows[4] == "vest,2026-W50,export-test,1,da,\"'@SUM(1)\",,,false,5,");
    CHECK(rows[5] == "vest,2026-W51,export-test,1,da,\"plain, \"\"quoted\"\"; text\",,,,,");

    const Exported danish = exportText(central, {ExportFormat::CsvDanish, "export-test", "1"});
    const auto danishRows = lines(danish.text.substr(3));
    REQUIRE(danishRows.size() == 6);
    CHECK(danishRows[1] == "vest;2026-W47;export-test;1;da;\"'=cmd|' /C calc'!A0\";\"'-first;æøå\";-3;;;7");
    CHECK(danishRows[2] == "vest;2026-W48;export-test;1;da;\"'+1\";;2,25;;;");
}

TEST_CASE("CSV export: which survey and version, and clear errors when it is not clear or not there") {
    Central central;
    SUBCASE("the only survey, its latest version, by default") {
        json second = json::parse(Central::readFile(Central::pulsePath()));
        second["surveyVersion"] = "2026.2";
        second["pages"][0]["elements"].push_back({{"type", "boolean"}, {"name", "new_question"}, {"title", "New?"}});
        const auto file = central.dir.path() / "pulse-2.json";
        std::ofstream(file) << second.dump();
        central.publish(file, "solhoj");
        storeResponses(central, {response("solhoj", "2026-W47", {{"used_tools", true}}),
                                 response("solhoj", "2026-W47", {{"used_tools", false}, {"new_question", true}}, "pulse", "2026.2")});
        auto plan = server::planExport(*central.store, {ExportFormat::Csv, "", ""});
        REQUIRE(plan.ok());
        CHECK(plan->surveyId == "pulse");
        CHECK(plan->version == "2026.2");
        CHECK(plan->questions.back() == "new_question");
        CHECK(plan->fileName() == "svarboks-pulse-2026.2.csv");
        const auto latest = lines(exportText(central, {ExportFormat::Csv, "", ""}).text);
        REQUIRE(latest.size() == 2);
        CHECK(latest[1] == "solhoj,2026-W47,pulse,2026.2,da,false,,,,,true");
        const auto older = lines(exportText(central, {ExportFormat::Csv, "pulse", "2026.1"}).text);
        REQUIRE(older.size() == 2);
        CHECK(older[1] == "solhoj,2026-W47,pulse,2026.1,da,true,,,,");

        CHECK(exportText(central, {ExportFormat::Csv, "pulse", "9"}).error ==
              "survey pulse has no published version '9'; published: pulse (2026.1, 2026.2)");
    }
    SUBCASE("several surveys: say which") {
        central.publish(exportSurveyPath(), "vest");
        CHECK(exportText(central, {ExportFormat::Csv, "", ""}).error ==
              "several surveys are published: pulse (2026.1); export-test (1); a CSV export holds one survey version: "
              "say which (--survey ID [--version V])");
        CHECK(exportText(central, {ExportFormat::CsvDanish, "nope", ""}).error ==
              "there is no published survey 'nope'; published: pulse (2026.1); export-test (1)");
        CHECK(exportText(central, {ExportFormat::Jsonl, "", "1"}).error == "a survey version needs its survey id too (--survey ID)");
        CHECK(exportText(central, {ExportFormat::Csv, "export-test", ""}).count == 0);
    }
}

TEST_CASE("CSV export: an answer the survey does not ask, or stored answers that are not JSON, stop it with the response's id") {
    Central central;
    const auto extra = response("solhoj", "2026-W47", {{"used_tools", true}, {"colour", "blue"}});
    storeResponses(central, {extra});
    CHECK(exportText(central, {ExportFormat::Csv, "", ""}).error ==
          "response " + extra.id + ": an answer to 'colour', which survey pulse 2026.1 does not ask");

    Central broken;
    auto bad = response("solhoj", "2026-W47", {{"used_tools", true}});
    bad.answersJson = R"({"used_tools":tru})";
    storeResponses(broken, {bad});
    const std::string expected = "response " + bad.id + ": the stored answers are not a JSON object (expected a value at byte 15)";
    CHECK(exportText(broken, {ExportFormat::Csv, "", ""}).error == expected);
    CHECK(exportText(broken, {ExportFormat::Jsonl, "", ""}).error == expected);
}

TEST_CASE("JSON Lines export: the documented keys in order and the answers exactly as stored, one survey or all") {
    Central central;
    central.publish(exportSurveyPath(), "vest");
    const json pulseAnswers = {{"used_tools", true}, {"help_wanted", {"course"}}, {"training_hours", 1.25}};
    const json otherAnswers = {{"formula", "=cmd|' /C calc'!A0"}, {"tags", {"æøå"}}};
    storeResponses(central, {response("solhoj", "2026-W47", pulseAnswers),
                             response("vest", "2026-W47", otherAnswers, "export-test", "1")});
    const Exported all = exportText(central, {ExportFormat::Jsonl, "", ""});
    REQUIRE_MESSAGE(all.error.empty(), all.error);
    CHECK(all.count == 2);
    const auto rows = lines(all.text, "\n");
    REQUIRE(rows.size() == 2);
    for (const auto& row : rows) {
        const auto line = nlohmann::ordered_json::parse(row);
        std::vector<std::string> keys;
        for (const auto& [key, value] : line.items()) keys.push_back(key);
        CHECK(keys == std::vector<std::string>{"id", "unit", "survey_id", "survey_version", "period", "locale", "answers"});
        CHECK(row == line.dump());  // compact, as the export always wrote it
        CHECK(json(line["answers"]) == (line["survey_id"] == "pulse" ? pulseAnswers : otherAnswers));
    }
    CHECK(all.text.find("=cmd") != std::string::npos);  // JSON is data, not a spreadsheet: nothing is changed

    const Exported one = exportText(central, {ExportFormat::Jsonl, "export-test", ""});
    CHECK(one.count == 1);
    CHECK(one.text.find("\"survey_id\":\"export-test\"") != std::string::npos);
}

TEST_CASE("exports stream: the sink gets chunks while the store is read, and a refusing sink stops the export") {
    Central central;
    std::vector<server::StoredResponse> many;
    for (int i = 0; i < 3000; ++i) {
        many.push_back(response(i % 2 == 0 ? "solhoj" : "vest", "2026-W47",
                                {{"used_tools", true}, {"finding_ease", 1 + i % 5}, {"help_wanted", {"course", "colleague"}}, {"training_hours", i % 200}}));
    }
    storeResponses(central, many);
    for (const auto format : {ExportFormat::Csv, ExportFormat::CsvDanish, ExportFormat::Jsonl}) {
        CAPTURE(server::exportFormatName(format));
        std::size_t chunks = 0;
        std::size_t largest = 0;
        std::vector<std::pair<std::int64_t, std::int64_t>> progress;
        auto exported = server::exportResponses(*central.store, server::ExportOptions{format, "pulse", ""},
            [&](std::string_view chunk) {
                ++chunks;
                largest = std::max(largest, chunk.size());
                return true;
            },
            [&](std::int64_t done, std::int64_t total) { progress.emplace_back(done, total); });
        REQUIRE(exported.ok());
        CHECK(*exported == 3000);
        CHECK(chunks >= 3);
        CHECK(largest < 80 * 1024);
        REQUIRE(progress.size() >= 2);
        CHECK(progress.front() == std::pair<std::int64_t, std::int64_t>(0, 3000));
        CHECK(progress.back() == std::pair<std::int64_t, std::int64_t>(3000, 3000));

        int calls = 0;
        auto refused = server::exportResponses(*central.store, server::ExportOptions{format, "pulse", ""}, [&](std::string_view) {
            ++calls;
            return false;
        });
        REQUIRE_FALSE(refused.ok());
        CHECK(refused.error().message.find("the output took no more data") != std::string::npos);
        CHECK(calls == 1);
    }
}

TEST_CASE("export to a file: written through a temporary file; after a failure there is no new or half file") {
    Central central;
    std::vector<server::StoredResponse> many;
    for (int i = 0; i < 200; ++i) many.push_back(response("solhoj", "2026-W47", {{"used_tools", true}, {"training_hours", i}}));
    storeResponses(central, many);
    const auto folder = central.dir.path() / "exports";
    fs::create_directories(folder);
    const auto target = folder / "pulse.csv";
    const auto plan = server::planExport(*central.store, {ExportFormat::Csv, "", ""});
    REQUIRE(plan.ok());
    const auto onlyTarget = [&] {
        std::vector<std::string> names;
        for (const auto& entry : fs::directory_iterator(folder)) names.push_back(entry.path().filename().string());
        return names;
    };

    auto written = server::exportToFile(*central.store, *plan, target);
    REQUIRE_MESSAGE(written.ok(), (written.ok() ? "" : written.error().message));
    CHECK(*written == 200);
    CHECK(lines(Central::readFile(target)).size() == 201);
    CHECK(onlyTarget() == std::vector<std::string>{"pulse.csv"});

    SUBCASE("the disk fills up (a file size limit): the earlier file stays as it was") {
        std::ofstream(target, std::ios::trunc) << "the earlier export\n";
        struct rlimit before {};
        REQUIRE(::getrlimit(RLIMIT_FSIZE, &before) == 0);
        struct rlimit small = before;
        small.rlim_cur = 1024;
        const auto previous = ::signal(SIGXFSZ, SIG_IGN);
        REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
        auto failed = server::exportToFile(*central.store, *plan, target);
        REQUIRE(::setrlimit(RLIMIT_FSIZE, &before) == 0);
        ::signal(SIGXFSZ, previous);
        REQUIRE_FALSE(failed.ok());
        CHECK(failed.error().message == target.string() + ": cannot write: File too large; no file was written");
        CHECK(Central::readFile(target) == "the earlier export\n");
        CHECK(onlyTarget() == std::vector<std::string>{"pulse.csv"});
    }
    SUBCASE("a bad stored row half way: no file at all") {
        fs::remove(target);
        auto bad = response("vest", "2026-W47", {{"used_tools", true}});
        bad.answersJson = "[]";
        storeResponses(central, {bad});
        auto failed = server::exportToFile(*central.store, *plan, target);
        REQUIRE_FALSE(failed.ok());
        CHECK(failed.error().message.find("response " + bad.id) == 0);
        CHECK(failed.error().message.find("; no file was written") != std::string::npos);
        CHECK(onlyTarget().empty());
    }
    SUBCASE("a folder that does not exist") {
        auto failed = server::exportToFile(*central.store, *plan, folder / "missing" / "x.csv");
        REQUIRE_FALSE(failed.ok());
        CHECK(failed.error().message.find("cannot create a file in") != std::string::npos);
    }
}

TEST_CASE("export command: formats, survey and version, file output, clear errors") {
    Central central;
    storeResponses(central, {response("solhoj", "2026-W47", {{"used_tools", true}, {"training_hours", 2.5}})});

    const auto csv = runCentral({"export", "--format", "csv"}, central);
    REQUIRE_MESSAGE(csv.code == 0, csv.err);
    CHECK(csv.out == "unit,period,survey_id,survey_version,locale,used_tools,finding_ease,problem_solved,help_wanted,training_hours\r\n"
                     "solhoj,2026-W47,pulse,2026.1,da,true,,,,2.5\r\n");
    CHECK(csv.err.empty());  // no progress when standard error is not a terminal

    const auto danish = runCentral({"export", "--format", "csv-da", "--survey", "pulse", "--version", "2026.1"}, central);
    REQUIRE(danish.code == 0);
    CHECK(danish.out.rfind("\xEF\xBB\xBFunit;period;", 0) == 0);
    CHECK(danish.out.find(";2,5\r\n") != std::string::npos);

    const auto file = central.dir.path() / "out.csv";
    const auto toFile = runCentral({"export", "--format", "csv", "--output", file.string()}, central);
    REQUIRE(toFile.code == 0);
    CHECK(toFile.out == "Exported 1 responses of survey pulse 2026.1 to " + file.string() + " (csv)\n");
    CHECK(Central::readFile(file) == csv.out);

    const auto unknownFormat = runCentral({"export", "--format", "xlsx"}, central);
    CHECK(unknownFormat.code == 2);
    CHECK(unknownFormat.err.find("unknown export format 'xlsx'; use csv, csv-da or jsonl") != std::string::npos);
    const auto unknownSurvey = runCentral({"export", "--format", "csv", "--survey", "nope"}, central);
    CHECK(unknownSurvey.code == 1);
    CHECK(unknownSurvey.err.find("there is no published survey 'nope'; published: pulse (2026.1)") != std::string::npos);
    const auto unknownVersion = runCentral({"export", "--format", "csv", "--survey", "pulse", "--version", "3"}, central);
    CHECK(unknownVersion.code == 1);
    CHECK(unknownVersion.err.find("survey pulse has no published version '3'") != std::string::npos);
    const auto failed = runCentral({"export", "--format", "csv", "--output", (central.dir.path() / "nowhere" / "x.csv").string()}, central);
    CHECK(failed.code == 1);
    CHECK_FALSE(fs::exists(central.dir.path() / "nowhere"));
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
