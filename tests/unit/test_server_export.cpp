// Exports from the central store: the CSV writer (dialects, quoting, CSV-injection neutralisation) and
// exportResponses (columns, values, survey and version choice, streaming to a sink, the CLI command).
#include "svarboks/server/csv.hpp"

#include <doctest/doctest.h>

#include <limits>
#include <string>
#include <vector>

using namespace svarboks;
using server::CsvDialect;
using server::CsvWriter;

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
