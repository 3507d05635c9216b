#pragma once
// A central store filled at scale for the server benchmarks (bench_export, bench_reports): valid answers to
// the default survey from generated respondents, stored through storeItems in batches as ingest stores
// them (with their report tallies), spread over `kUnits` units and `kWeeks` ISO weeks; plus the timing and
// memory helpers both print with. A benchmark helper, not product code: it stops the process on an error.
#include "svarboks/server/sqlite_storage.hpp"
#include "svarboks/server/tally.hpp"
#include "svarboks/shared/hashing.hpp"
#include "svarboks/shared/sealing.hpp"
#include "svarboks/shared/survey.hpp"
#include "svarboks/shared/survey_state.hpp"

#include <nlohmann/json.hpp>

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <vector>

namespace svarboks::bench {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

inline constexpr int kUnits = 1000;
inline constexpr int kWeeks = 52;
inline constexpr int kGroups = 20;  ///< unit-0000..0049 in group-00, and so on
inline constexpr std::size_t kBatch = 5000;

/// The benchmark's temporary folder: removed on every exit, also by die().
inline fs::path& folder() {
    static fs::path path;
    return path;
}

inline void removeFolder() {
    std::error_code ec;
    if (!folder().empty()) fs::remove_all(folder(), ec);
}

[[noreturn]] inline void die(const std::string& message) {
    std::cerr << "bench: " << message << '\n';
    removeFolder();
    std::exit(1);
}

/// Makes a fresh folder under $SVARBOKS_BENCH_DIR (else the system's temp folder) that is removed at exit.
inline const fs::path& makeFolder(const std::string& name) {
    const char* parentEnv = std::getenv("SVARBOKS_BENCH_DIR");
    folder() = fs::path(parentEnv != nullptr ? parentEnv : fs::temp_directory_path().string()) /
               (name + "-" + shared::toBase64Url(shared::randomBytes(6)));
    fs::create_directories(folder());
    std::atexit(removeFolder);
    return folder();
}

inline double seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

/// User + system CPU seconds of this process so far: on a shared machine, wall time also counts waiting.
inline double cpuSeconds() {
    struct rusage usage {};
    ::getrusage(RUSAGE_SELF, &usage);
    const auto toSeconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
    return toSeconds(usage.ru_utime) + toSeconds(usage.ru_stime);
}

inline double statusMiB(const char* field) {
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);) {
        if (line.rfind(field, 0) == 0) return std::stod(line.substr(std::char_traits<char>::length(field))) / 1024.0;
    }
    return -1;
}
/// Peak RSS in MiB since the last resetPeak().
inline double peakMiB() { return statusMiB("VmHWM:"); }
inline double rssMiB() { return statusMiB("VmRSS:"); }
inline void resetPeak() { std::ofstream("/proc/self/clear_refs") << "5"; }

/// The store sizes given on the command line, in increasing order (the store grows); default 1,000,000.
inline std::vector<std::int64_t> storeSizes(int argc, char** argv) {
    std::vector<std::int64_t> sizes;
    for (int i = 1; i < argc; ++i) {
        char* end = nullptr;
        const long long n = std::strtoll(argv[i], &end, 10);
        if (end == argv[i] || *end != '\0' || n <= 0) die(std::string("expected a number of responses, got '") + argv[i] + "'");
        if (!sizes.empty() && n < sizes.back()) die("give the sizes in increasing order (the store grows)");
        sizes.push_back(n);
    }
    if (sizes.empty()) sizes.push_back(1'000'000);
    return sizes;
}

inline std::string unitId(int unit) {
    char id[16];
    std::snprintf(id, sizeof id, "unit-%04d", unit);
    return id;
}

/// A valid respondent: every shown question answered, branches taken at random, as the kiosk would store it.
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

/// Loads the default survey from the source tree (and its definition as JSON).
struct DefaultSurvey {
    shared::Survey survey;
    nlohmann::json definition;
};
inline DefaultSurvey loadDefaultSurvey(const fs::path& sourceDir) {
    const fs::path file = sourceDir / "assets/surveys/digital-kompetence.json";
    auto loaded = shared::loadSurveyFile(file);
    if (!loaded.ok()) die("cannot load " + file.string());
    std::ifstream in(file, std::ios::binary);
    return {*loaded.survey, nlohmann::json::parse(in)};
}

/// Adds the units (in kGroups groups) and publishes the survey to all of them.
inline void prepare(server::SqliteStorage& store, const DefaultSurvey& survey) {
    for (int u = 0; u < kUnits; ++u) {
        char group[16];
        std::snprintf(group, sizeof group, "group-%02d", u / (kUnits / kGroups));
        if (auto status = store.addUnit({unitId(u), "Enhed " + std::to_string(u), group}); !status) die(status.message());
    }
    const shared::Survey& s = survey.survey;
    if (auto status = store.publishSurvey({s.id, s.version, shared::canonicalDefinition(survey.definition), s.definitionSha256, s.consentSha256, {}},
                                          server::kAllUnits);
        !status) {
        die(status.message());
    }
}

/// Stores responses number `from` up to `to` (each in a random unit and week), with their tallies.
inline void fill(server::SqliteStorage& store, const shared::Survey& survey, Respondents& respondents, std::int64_t from, std::int64_t to) {
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
        char week[16];
        std::snprintf(week, sizeof week, "2026-W%02d", static_cast<int>(1 + random() % kWeeks));
        server::IncomingItem item;
        item.id = shared::newUuidV4();
        item.sealed = "bench";
        item.sealedSha256 = shared::sha256Hex(item.id);
        item.tallies = server::responseTallies(survey, answers);
        item.response = server::StoredResponse{item.id, unitId(static_cast<int>(random() % kUnits)), survey.id, survey.version, week,
                                               random() % 5 == 0 ? "en" : "da",
                                               answers.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
        batch.push_back(std::move(item));
        if (batch.size() == kBatch) flush();
    }
    if (!batch.empty()) flush();
}

}  // namespace svarboks::bench
