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
#include "svarboks/server/export.hpp"
#include "svarboks/server/sqlite_storage.hpp"
#include "svarboks/shared/hashing.hpp"
#include "svarboks/shared/sealing.hpp"
#include "svarboks/shared/survey.hpp"
#include "svarboks/shared/survey_state.hpp"

#include <nlohmann/json.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <vector>

namespace {

using namespace svarboks;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int kUnits = 1000;
constexpr int kWeeks = 52;
constexpr std::size_t kBatch = 5000;

fs::path g_folder;  // removed on every exit, also by die()

void removeFolder() {
    std::error_code ec;
    if (!g_folder.empty()) fs::remove_all(g_folder, ec);
}

[[noreturn]] void die(const std::string& message) {
    std::cerr << "bench_export: " << message << '\n';
    removeFolder();
    std::exit(1);
}

double seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

// User + system CPU seconds of this process so far: on a shared machine, wall time also counts waiting.
double cpuSeconds() {
    struct rusage usage {};
    ::getrusage(RUSAGE_SELF, &usage);
    const auto toSeconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
    return toSeconds(usage.ru_utime) + toSeconds(usage.ru_stime);
}

// Peak RSS in MiB since the last resetPeak(), from /proc/self/status.
double peakMiB() {
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);) {
        if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
    }
    return -1;
}
double rssMiB() {
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);) {
        if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
    }
    return -1;
}
void resetPeak() { std::ofstream("/proc/self/clear_refs") << "5"; }

// A valid respondent: every shown question answered except about one in ten optional ones, branches taken
// at random, as the kiosk would store it (nlohmann's compact dump).
class Respondents {
public:
    explicit Respondents(const shared::Survey& survey) : m_survey(survey) {}

    nlohmann::json next() {
        nlohmann::json answers = nlohmann::json::object();
        const auto pick = [&](const shared::Element& element) {
            return element.choices[std::uniform_int_distribution<std::size_t>(0, element.choices.size() - 1)(m_random)].value;
        };
        for (const auto& element : m_survey.elements) {
            if (element.type == shared::ElementType::Radiogroup) answers[element.name] = pick(element);
            if (element.type == shared::ElementType::Boolean) answers[element.name] = m_random() % 2 == 0;
        }
        // The branches: comm_6 for home care and schools, problem_2 after a low problem_1, welfare_* after yes.
        const std::string workplace = answers["workplace"].get<std::string>();
        if (workplace != "home_care" && workplace != "school") answers.erase("comm_6");
        if (answers["problem_1"] != 1 && answers["problem_1"] != 2) answers.erase("problem_2");
        if (!answers["uses_welfare_tech"].get<bool>()) {
            for (const char* name : {"welfare_1", "welfare_2", "welfare_3"}) answers.erase(name);
        }
        return answers;
    }

private:
    const shared::Survey& m_survey;
    std::mt19937_64 m_random{20261123};
};

void fill(server::SqliteStorage& store, const shared::Survey& survey, Respondents& respondents, std::int64_t from, std::int64_t to) {
    std::mt19937 random(static_cast<unsigned>(from));
    std::vector<server::IncomingItem> batch;
    batch.reserve(kBatch);
    const auto flush = [&] {
        auto stored = store.storeItems(batch, "2026-W48");
        if (!stored) die(stored.error().message);
        batch.clear();
    };
    for (std::int64_t i = from; i < to; ++i) {
        nlohmann::json answers = respondents.next();
        if (i < 2000) {
            const auto validation = shared::validateAnswers(survey, answers);
            if (!validation.valid) die("generated answers are not valid: " + answers.dump());
        }
        char unit[16];
        std::snprintf(unit, sizeof unit, "unit-%04d", static_cast<int>(random() % kUnits));
        char week[16];
        std::snprintf(week, sizeof week, "2026-W%02d", static_cast<int>(1 + random() % kWeeks));
        server::IncomingItem item;
        item.id = shared::newUuidV4();
        item.sealed = "bench";
        item.sealedSha256 = shared::sha256Hex(item.id);
        item.response = server::StoredResponse{item.id, unit, survey.id, survey.version, week, random() % 5 == 0 ? "en" : "da",
                                               answers.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
        batch.push_back(std::move(item));
        if (batch.size() == kBatch) flush();
    }
    if (!batch.empty()) flush();
}

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
    std::vector<std::int64_t> sizes;
    for (int i = 1; i < argc; ++i) {
        char* end = nullptr;
        const long long n = std::strtoll(argv[i], &end, 10);
        if (end == argv[i] || *end != '\0' || n <= 0) die(std::string("expected a number of responses, got '") + argv[i] + "'");
        if (!sizes.empty() && n < sizes.back()) die("give the sizes in increasing order (the store grows)");
        sizes.push_back(n);
    }
    if (sizes.empty()) sizes.push_back(1'000'000);

    const auto loaded = shared::loadSurveyFile(fs::path(SVARBOKS_SOURCE_DIR) / "assets/surveys/digital-kompetence.json");
    if (!loaded.ok()) die("cannot load the default survey");
    const shared::Survey& survey = *loaded.survey;

    const char* parentEnv = std::getenv("SVARBOKS_BENCH_DIR");
    const fs::path folder = fs::path(parentEnv != nullptr ? parentEnv : fs::temp_directory_path().string()) /
                            ("svarboks-bench-export-" + shared::toBase64Url(shared::randomBytes(6)));
    fs::create_directories(folder);
    g_folder = folder;
    std::atexit(removeFolder);

    auto opened = server::SqliteStorage::open(folder / "central.sqlite");
    if (!opened) die(opened.error().message);
    server::SqliteStorage& store = **opened;
    std::ifstream definitionFile(fs::path(SVARBOKS_SOURCE_DIR) / "assets/surveys/digital-kompetence.json", std::ios::binary);
    const auto definition = nlohmann::json::parse(definitionFile);
    if (auto status = store.publishSurvey({survey.id, survey.version, shared::canonicalDefinition(definition), survey.definitionSha256,
                                           survey.consentSha256, {}},
                                          server::kAllUnits);
        !status) {
        die(status.message());
    }

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
