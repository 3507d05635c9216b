// Per-response exports from the central store at scale (issue #5: a full CSV export of 1,000,000 responses
// in under 5 s, with memory that does not grow with the data).
//
//   bench_export [N ...]     default: 1000000
//
// Fills a fresh SqliteStorage in a temporary folder ($SVARBOKS_BENCH_DIR, else the system's temp folder) with
// valid answers to assets/surveys/digital-kompetence.json across 1,000 units and 52 weeks, stored through
// storeItems in batches as ingest does, growing the same store to each N in turn. At each N it runs what
// `svarboks-central export --output FILE` runs (exportToFile: a temporary file, fsync, rename) for csv,
// csv-da and jsonl, and prints the wall time, the rate, the file size and the peak RSS during that export
// (VmHWM after resetting it through /proc/self/clear_refs). Two baselines show where the time goes: reading
// the rows only, and reading them with nlohmann::json::parse of every row's answers (which the export avoids).
// A simple timed program rather than Google Benchmark: one run of each export is the figure asked for.
#include "central_store.hpp"

#include "svarboks/server/export.hpp"

#include <algorithm>

namespace {

using namespace svarboks;
using namespace svarboks::bench;

void baseline(server::SqliteStorage& store, const char* name, bool parse) {
    resetPeak();
    const auto start = Clock::now();
    std::int64_t rows = 0;
    std::size_t keys = 0;
    const auto status = store.forEachResponseOf({}, [&](const server::StoredResponse& response) {
        ++rows;
        if (parse) keys += nlohmann::json::parse(response.answersJson).size();
        return true;
    });
    if (!status) die(status.message());
    const double took = seconds(start);
    std::printf("  %-24s %8.2f s  %9.0f rows/s  peak RSS %6.1f MiB", name, took, static_cast<double>(rows) / took, peakMiB());
    if (parse) std::printf("  (%.1f answers a response)", static_cast<double>(keys) / static_cast<double>(std::max<std::int64_t>(rows, 1)));
    std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
    const std::vector<std::int64_t> sizes = storeSizes(argc, argv);

    const DefaultSurvey loaded = loadDefaultSurvey(SVARBOKS_SOURCE_DIR);
    const shared::Survey& survey = loaded.survey;
    const fs::path& folder = makeFolder("svarboks-bench-export");
    auto opened = server::SqliteStorage::open(folder / "central.sqlite");
    if (!opened) die(opened.error().message);
    server::SqliteStorage& store = **opened;
    prepare(store, loaded);

    std::printf("bench_export: %s %s, %d units, %d weeks, store in %s\n", survey.id.c_str(), survey.version.c_str(), kUnits, kWeeks,
                folder.c_str());
    Respondents respondents(survey);
    std::int64_t stored = 0;
    for (const std::int64_t size : sizes) {
        const auto filling = Clock::now();
        fill(store, survey, respondents, stored, size);
        stored = size;
        std::printf("\n%lld responses (filled in %.1f s; store %.0f MiB; RSS before the exports %.1f MiB)\n", static_cast<long long>(size),
                    seconds(filling), static_cast<double>(fs::file_size(folder / "central.sqlite")) / (1024.0 * 1024.0), rssMiB());
        baseline(store, "read rows only", false);
        baseline(store, "read + json::parse", true);
        for (const auto format : {server::ExportFormat::Csv, server::ExportFormat::CsvDanish, server::ExportFormat::Jsonl}) {
            auto plan = server::planExport(store, {format, "", ""});
            if (!plan) die(plan.error().message);
            const fs::path file = folder / plan->fileName();
            resetPeak();
            const auto start = Clock::now();
            const double cpuStart = cpuSeconds();
            auto exported = server::exportToFile(store, *plan, file);
            const double took = seconds(start);
            const double cpu = cpuSeconds() - cpuStart;
            if (!exported) die(exported.error().message);
            if (*exported != size) die("exported " + std::to_string(*exported) + " of " + std::to_string(size));
            std::printf("  export --format %-7s %8.2f s  %9.0f rows/s  (CPU %5.2f s)  %7.1f MiB written  peak RSS %6.1f MiB\n",
                        std::string(server::exportFormatName(format)).c_str(), took, static_cast<double>(size) / took, cpu,
                        static_cast<double>(fs::file_size(file)) / (1024.0 * 1024.0), peakMiB());
            fs::remove(file);
        }
    }
    return 0;
}
