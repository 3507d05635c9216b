// Per-response exports from the central store at scale (issue #5: a full CSV export of 1,000,000 responses
// in under 5 s, with memory that does not grow with the data; issue 12: exports are of one released round
// and k-anonymous, in two passes).
//
//   bench_export [N ...]     default: 1000000
//
// For each N, a store (bench/central_store.hpp) whose released round "2026" holds N valid answers to
// assets/surveys/digital-kompetence.json across 1,000 units in 20 groups and 52 weeks, stored through
// storeItems in batches as ingest does, plus N/10 in the open next round. Then it runs what
// `svarboks-central export --output FILE` runs (exportToFile: the round's report, pass 1 reading the round
// once, counting the quasi-identifiers and filing the formatted rows by id, the plan, pass 2 writing the
// rows generalised in id order, a temporary file, fsync, rename) for csv, csv-da and jsonl, and prints the wall time, the CPU time, the time to the end of
// pass 1 (the export's first progress call comes right after the plan), the file size and the peak RSS
// during that export (VmHWM after resetting it through /proc/self/clear_refs); then the whole
// `svarboks-central export` process for csv. Baselines show where the time goes: reading the round's rows
// as the export reads them (through the round index, in id order) against reading the same survey's rows
// in table order, reading them with nlohmann::json::parse or json::sax_parse of every row's answers (which
// the export avoids: its own scanner splits the answers, docs/benchmarks.md#exports), and the round's report, which the export builds first.
// Beside them, prototypes for docs/benchmarks.md (not what the export does), on the same store with SQLite
// directly: the id-order read with the file mapped (PRAGMA mmap_size); the rows read in table order, and
// put in id order through 256 temporary files by the first two hex digits of the id, each sorted in memory
// (the same order, byte for byte, as the id index gives); and the k-anonymity work of each pass
// (KAnonymiser::add, plan, apply) on rows read in table order.
// A simple timed program rather than Google Benchmark: one run of each export is the figure asked for.
#include "central_store.hpp"

#include "svarboks/server/anonymise.hpp"
#include "svarboks/server/export.hpp"
#include "svarboks/server/report.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <functional>
#include <optional>

namespace {

using namespace svarboks;
using namespace svarboks::bench;

// Counts the members of the top-level object through nlohmann's SAX interface: no DOM.
struct CountKeys {
    bool null() { return true; }
    bool boolean(bool) { return true; }
    bool number_integer(nlohmann::json::number_integer_t) { return true; }
    bool number_unsigned(nlohmann::json::number_unsigned_t) { return true; }
    bool number_float(nlohmann::json::number_float_t, const std::string&) { return true; }
    bool string(std::string&) { return true; }
    bool binary(nlohmann::json::binary_t&) { return true; }
    bool start_object(std::size_t) { return ++depth > 0; }
    bool key(std::string&) {
        if (depth == 1) ++keys;
        return true;
    }
    bool end_object() { return --depth >= 0; }
    bool start_array(std::size_t) { return ++depth > 0; }
    bool end_array() { return --depth >= 0; }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) { return false; }
    int depth = 0;
    std::size_t keys = 0;
};

enum class Parse { None, Dom, Sax };

void baseline(server::Storage& store, const char* name, const server::ResponseFilter& filter, Parse parse) {
    resetPeak();
    const auto start = Clock::now();
    const double cpuStart = cpuSeconds();
    std::int64_t rows = 0;
    std::size_t keys = 0;
    CountKeys counter;
    const auto status = store.forEachResponseOf(filter, [&](const server::StoredResponse& response) {
        ++rows;
        if (parse == Parse::Dom) keys += nlohmann::json::parse(response.answersJson).size();
        if (parse == Parse::Sax && !nlohmann::json::sax_parse(response.answersJson, &counter)) die("not JSON: " + response.id);
        return true;
    });
    keys += counter.keys;
    if (!status) die(status.message());
    const double took = seconds(start);
    std::printf("  %-40s %8.2f s  (CPU %5.2f s)  %9.0f rows/s  %8lld rows  peak RSS %6.1f MiB", name, took, cpuSeconds() - cpuStart,
                static_cast<double>(rows) / took, static_cast<long long>(rows), peakMiB());
    if (parse != Parse::None) std::printf("  (%.1f answers a response)", static_cast<double>(keys) / static_cast<double>(std::max<std::int64_t>(rows, 1)));
    std::printf("\n");
}

// ---- prototypes: reading a round faster (SQLite directly, read-only) ----

class RawStore {
public:
    explicit RawStore(const fs::path& file) {
        if (sqlite3_open_v2(file.c_str(), &m_db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) die("cannot open " + file.string());
    }
    ~RawStore() { sqlite3_close(m_db); }
    RawStore(const RawStore&) = delete;
    RawStore& operator=(const RawStore&) = delete;

    void exec(const char* sql) {
        if (sqlite3_exec(m_db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) die(std::string(sql) + ": " + sqlite3_errmsg(m_db));
    }
    // Calls row(id, unit, period, locale, answers) for each response of the round in the query's order.
    template <typename Row>
    std::int64_t each(const char* sql, const std::string& round, Row&& row) {
        sqlite3_stmt* stmt = nullptr;
        if (sqlite3_prepare_v2(m_db, sql, -1, &stmt, nullptr) != SQLITE_OK) die(std::string(sql) + ": " + sqlite3_errmsg(m_db));
        sqlite3_bind_text(stmt, 1, round.c_str(), -1, SQLITE_TRANSIENT);
        std::int64_t rows = 0;
        const auto text = [&](int column) {
            return std::string_view(reinterpret_cast<const char*>(sqlite3_column_text(stmt, column)),
                                    static_cast<std::size_t>(sqlite3_column_bytes(stmt, column)));
        };
        int rc = SQLITE_ROW;
        while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
            row(text(0), text(1), text(2), text(3), text(4));
            ++rows;
        }
        if (rc != SQLITE_DONE) die(sqlite3_errmsg(m_db));
        sqlite3_finalize(stmt);
        return rows;
    }

private:
    sqlite3* m_db = nullptr;
};

constexpr const char* kIdOrder = "SELECT id, unit_id, period, locale, answers FROM responses WHERE round_id = ?1 "
                                 "ORDER BY round_id, survey_id, survey_version, id";
constexpr const char* kTableOrder = "SELECT id, unit_id, period, locale, answers FROM responses WHERE +round_id = ?1";

void timed(const char* name, std::int64_t expected, const std::function<std::int64_t()>& run) {
    resetPeak();
    const auto start = Clock::now();
    const double cpuStart = cpuSeconds();
    const std::int64_t rows = run();
    const double took = seconds(start);
    if (rows != expected) die(std::string(name) + ": " + std::to_string(rows) + " rows, expected " + std::to_string(expected));
    std::printf("  %-40s %8.2f s  (CPU %5.2f s)  %9.0f rows/s  %8lld rows  peak RSS %6.1f MiB\n", name, took, cpuSeconds() - cpuStart,
                static_cast<double>(rows) / took, static_cast<long long>(rows), peakMiB());
}

// Reads the round in table order, spills each row (id, unit, period, locale, answers) into one of 256
// files by the first two hex digits of its id, then reads each file back, sorts it by id and hands the
// rows on in that order: the id order of the whole round with one bucket in memory at a time.
std::int64_t bucketedIdOrder(RawStore& raw, const std::string& round, const fs::path& scratch, std::string& firstIds) {
    const fs::path dir = scratch / "buckets";
    fs::create_directories(dir);
    std::array<std::FILE*, 256> files{};
    for (std::size_t b = 0; b < files.size(); ++b) {
        files[b] = std::fopen((dir / std::to_string(b)).c_str(), "w+b");
        if (files[b] == nullptr) die("cannot create a bucket file");
    }
    const auto hex = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
    raw.each(kTableOrder, round, [&](std::string_view id, std::string_view unit, std::string_view period, std::string_view locale,
                                     std::string_view answers) {
        std::FILE* file = files[static_cast<std::size_t>(hex(id[0]) * 16 + hex(id[1]))];
        for (const std::string_view field : {id, unit, period, locale, answers}) {
            const auto size = static_cast<std::uint32_t>(field.size());
            std::fwrite(&size, sizeof size, 1, file);
            std::fwrite(field.data(), 1, field.size(), file);
        }
    });
    std::int64_t rows = 0;
    std::size_t bytes = 0;
    std::string buffer;
    std::vector<std::array<std::string_view, 5>> records;
    for (std::FILE* file : files) {
        const long size = std::ftell(file);
        buffer.resize(static_cast<std::size_t>(size));
        std::rewind(file);
        if (size > 0 && std::fread(buffer.data(), 1, buffer.size(), file) != buffer.size()) die("cannot read a bucket file");
        std::fclose(file);
        records.clear();
        for (std::size_t at = 0; at < buffer.size();) {
            std::array<std::string_view, 5> record;
            for (auto& field : record) {
                std::uint32_t length = 0;
                std::memcpy(&length, buffer.data() + at, sizeof length);
                field = std::string_view(buffer.data() + at + sizeof length, length);
                at += sizeof length + length;
            }
            records.push_back(record);
        }
        std::sort(records.begin(), records.end(), [](const auto& a, const auto& b) { return a[0] < b[0]; });
        for (const auto& record : records) {
            bytes += record[4].size();  // the export would format the row here
            if (rows < 3) firstIds += std::string(record[0]) + " ";
            ++rows;
        }
    }
    fs::remove_all(dir);
    return bytes > 0 ? rows : 0;
}

}  // namespace

int main(int argc, char** argv) {
    const std::vector<std::int64_t> sizes = storeSizes(argc, argv);

    const DefaultSurvey loaded = loadDefaultSurvey(SVARBOKS_SOURCE_DIR);
    const shared::Survey& survey = loaded.survey;
    const fs::path& scratch = makeFolder("svarboks-bench-export");
    const std::string central = SVARBOKS_CENTRAL_BINARY;

    std::string identifying;
    for (const auto& element : survey.elements) {
        if (element.identifying) identifying += (identifying.empty() ? "" : ", ") + element.name;
    }
    std::printf("bench_export: %s %s (identifying: %s), %d units in %d groups, round %s (%s to %s), scratch in %s\n", survey.id.c_str(),
                survey.version.c_str(), identifying.empty() ? "none" : identifying.c_str(), kUnits, kGroups, kRound, kRoundFrom, kRoundTo,
                scratch.c_str());
    // The prototypes below read the SQLite file directly.
    if (!benchDatabase().empty()) die("bench_export measures the SQLite store; unset SVARBOKS_BENCH_DATABASE");
    for (const std::int64_t size : sizes) {
        BenchStore bench = openStore(loaded, size, scratch);
        server::Storage& store = *bench.store;
        std::printf("\n%lld responses in round %s, %lld more in the open round (store %.0f MiB, %s)\n", static_cast<long long>(bench.inRound),
                    kRound, static_cast<long long>(bench.open), bench.mib(), bench.folder.c_str());
        if (bench.reused) {
            std::printf("  a kept store, filled by an earlier run\n");
        } else {
            std::printf("  filled in %.1f s (%.0f responses/s), released in %.1f s, open round filled in %.1f s\n", bench.fillSeconds,
                        static_cast<double>(size) / bench.fillSeconds, bench.releaseSeconds, bench.openSeconds);
        }
        std::printf("  RSS before the exports %.1f MiB\n", rssMiB());

        const server::ResponseFilter round{survey.id, survey.version, kRound};
        const server::ResponseFilter tableOrder{survey.id, survey.version, ""};
        baseline(store, "read the round, id order (rows only)", round, Parse::None);
        baseline(store, "read the survey, table order (rows only)", tableOrder, Parse::None);
        baseline(store, "read the round + json::parse", round, Parse::Dom);
        baseline(store, "read the round + json::sax_parse", round, Parse::Sax);
        {
            RawStore raw(bench.file());
            std::string byIndex;
            timed("prototype: id order, SQLite directly", size, [&] {
                return raw.each(kIdOrder, kRound, [&](std::string_view id, auto...) {
                    if (byIndex.size() < 3 * 37) byIndex += std::string(id) + " ";
                });
            });
            raw.exec("PRAGMA mmap_size = 8589934592");
            timed("prototype: id order, file mapped (mmap)", size, [&] { return raw.each(kIdOrder, kRound, [](auto...) {}); });
            raw.exec("PRAGMA mmap_size = 0");
            timed("prototype: table order, round filtered", size, [&] { return raw.each(kTableOrder, kRound, [](auto...) {}); });
            std::string bucketed;
            timed("prototype: table order + 256 id buckets", size, [&] { return bucketedIdOrder(raw, kRound, scratch, bucketed); });
            if (bucketed != byIndex) die("the bucketed order is not the id order: " + bucketed + "/ " + byIndex);

            // The k-anonymity work of the two passes alone, on rows read in table order (0.6 s of it is the read).
            // The identifying answers are found by a plain search of the stored JSON (enough for these answers).
            auto planned = server::planExport(store, {server::ExportFormat::Csv, "", "", ""});
            if (!planned) die(planned.error().message);
            server::KAnonymiser anonymiser(planned->k, planned->identifying, 0.0);
            server::QuasiIdentifiers row;
            row.identifying.resize(planned->identifying.size());
            const auto quasi = [&](std::string_view unit, std::string_view period, std::string_view locale, std::string_view answers) {
                row.unit.assign(unit);
                row.group = "group-" + std::string(unit.substr(5, 2));  // as bench/central_store.hpp groups them
                row.week.assign(period);
                row.locale.assign(locale);
                for (std::size_t i = 0; i < planned->identifying.size(); ++i) {
                    const std::string key = "\"" + planned->identifying[i] + "\":";
                    const auto at = answers.find(key);
                    if (at == std::string_view::npos) {
                        row.identifying[i].clear();
                        continue;
                    }
                    const auto start = at + key.size();
                    row.identifying[i].assign(answers.substr(start, answers.find_first_of(",}", start) - start));
                }
            };
            timed("prototype: table order + KAnonymiser::add", size, [&] {
                return raw.each(kTableOrder, kRound, [&](std::string_view, std::string_view unit, std::string_view period, std::string_view locale,
                                                         std::string_view answers) {
                    quasi(unit, period, locale, answers);
                    anonymiser.add(row);
                });
            });
            const auto start = Clock::now();
            const auto plan = anonymiser.plan();
            std::printf("  %-40s %8.2f s  (%lld classes)\n", "prototype: KAnonymiser::plan", seconds(start), static_cast<long long>(plan.classes));
            std::int64_t kept = 0;
            timed("prototype: table order + apply()", size, [&] {
                return raw.each(kTableOrder, kRound, [&](std::string_view, std::string_view unit, std::string_view period, std::string_view locale,
                                                         std::string_view answers) {
                    quasi(unit, period, locale, answers);
                    kept += anonymiser.apply(row) ? 1 : 0;
                });
            });
            if (kept != size) die("apply() withheld rows");
        }
        {
            const auto start = Clock::now();
            server::ReportRequest ask;
            ask.round = kRound;
            auto report = server::buildReport(store, ask);
            if (!report) die(report.error().message);
            std::printf("  %-40s %8.2f s\n", "the round's report (the export's step 0)", seconds(start));
        }

        std::string explanation;
        for (const auto format : {server::ExportFormat::Csv, server::ExportFormat::CsvDanish, server::ExportFormat::Jsonl}) {
            auto plan = server::planExport(store, {format, "", "", ""});
            if (!plan) die(plan.error().message);
            if (plan->round != kRound) die("the export chose round " + plan->round);
            const fs::path file = scratch / plan->fileName();
            resetPeak();
            std::optional<Clock::time_point> planned;
            const auto start = Clock::now();
            const double cpuStart = cpuSeconds();
            auto exported = server::exportToFile(store, *plan, file, [&](std::int64_t, std::int64_t) {
                if (!planned) planned = Clock::now();
            });
            const double took = seconds(start);
            const double cpu = cpuSeconds() - cpuStart;
            if (!exported) die(exported.error().message);
            if (exported->rows + exported->withheld != size) {
                die("exported " + std::to_string(exported->rows) + " and withheld " + std::to_string(exported->withheld) + " of " + std::to_string(size));
            }
            const double pass1 = planned ? std::chrono::duration<double>(*planned - start).count() : 0.0;
            std::printf("  export --format %-7s %8.2f s  %9.0f rows/s  (CPU %5.2f s; report + pass 1 %5.2f s, pass 2 + fsync %5.2f s)  "
                        "%7.1f MiB written  %lld rows, %lld withheld  peak RSS %6.1f MiB\n",
                        std::string(server::exportFormatName(format)).c_str(), took, static_cast<double>(size) / took, cpu, pass1, took - pass1,
                        static_cast<double>(fs::file_size(file)) / (1024.0 * 1024.0), static_cast<long long>(exported->rows),
                        static_cast<long long>(exported->withheld), peakMiB());
            explanation = exported->explanation;
            fs::remove(file);
        }
        std::printf("  what was generalised: %s\n", explanation.c_str());

        // The whole process as the central team runs it: open the store, plan, export, audit.
        const fs::path file = scratch / "process.csv";
        const auto start = Clock::now();
        runCentral({central, "export", "--format", "csv", "--output", file.string(), "--data", bench.folder.string()}, true);
        std::printf("  %-40s %8.2f s\n", "svarboks-central export --format csv (process)", seconds(start));
        fs::remove(file);
        bench.discard();
    }
    return 0;
}
