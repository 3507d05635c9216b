#pragma once
// A central store filled at scale for the server benchmarks (bench_export, bench_reports): valid answers to
// the default survey from generated respondents, stored through storeItems in batches as ingest stores
// them (with their report tallies), spread over `kUnits` units and the `kWeeks` ISO weeks of one reporting
// round, which is then released (rounds.hpp: reports and exports exist only for released rounds); then a
// tenth as many again in the weeks of the next, still open round (shown nowhere, but every read steps over
// them). Plus the timing and memory helpers both print with. A benchmark helper, not product code: it
// stops the process on an error.
//
// Each size gets a store of its own (a released round never grows, so a store cannot be grown to the next
// size). With $SVARBOKS_BENCH_STORE set, the stores are kept in that folder (store-N-DIGEST, DIGEST the
// start of the published definition's SHA-256) and a complete one is used again by the next run of either
// benchmark instead of being filled anew; without it they live in the benchmark's temporary folder and are
// removed.
//
// $SVARBOKS_BENCH_IDENTIFYING=NAME marks that question of the survey "identifying" before it is published
// (export.hpp: a quasi-identifier of the exports); the survey as shipped marks workplace already.
//
// $SVARBOKS_BENCH_DATABASE=postgresql://... puts the store in that PostgreSQL database instead of the
// folder's central.db (issue 18), through the same factory as `svarboks-central --database`; the CLI runs
// get the URL too. A database holds one store, so one size per run; it must be empty, unless a run with
// $SVARBOKS_BENCH_STORE filled it completely before (the folder's `complete` names the URL).
#include "svarboks/server/data_dir.hpp"
#include "svarboks/server/rounds.hpp"
#include "svarboks/server/sqlite_storage.hpp"
#include "svarboks/server/store.hpp"
#include "svarboks/server/tally.hpp"
#include "svarboks/shared/hashing.hpp"
#include "svarboks/shared/sealing.hpp"
#include "svarboks/shared/survey.hpp"
#include "svarboks/shared/survey_state.hpp"

#include <nlohmann/json.hpp>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace svarboks::bench {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

inline constexpr int kUnits = 1000;
inline constexpr int kWeeks = 52;  ///< the responses of the released round are spread over its 52 weeks
/// The released round: every response the size asks for is in it.
inline constexpr const char* kRound = "2026";
inline constexpr const char* kRoundFrom = "2026-W01";
inline constexpr const char* kRoundTo = "2026-W52";
/// The next round, not released: a tenth of the size again, in its first kOpenWeeks weeks.
inline constexpr const char* kOpenRound = "2027-h1";
inline constexpr int kOpenWeeks = 13;
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

/// The store sizes given on the command line (each its own store), in increasing order; default 1,000,000.
inline std::vector<std::int64_t> storeSizes(int argc, char** argv) {
    std::vector<std::int64_t> sizes;
    for (int i = 1; i < argc; ++i) {
        char* end = nullptr;
        const long long n = std::strtoll(argv[i], &end, 10);
        if (end == argv[i] || *end != '\0' || n <= 0) die(std::string("expected a number of responses, got '") + argv[i] + "'");
        if (!sizes.empty() && n < sizes.back()) die("give the sizes in increasing order");
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

/// Loads the default survey from the source tree (and its definition as JSON). With
/// $SVARBOKS_BENCH_IDENTIFYING=NAME that question is marked "identifying" first.
struct DefaultSurvey {
    shared::Survey survey;
    nlohmann::json definition;
    std::string identifying;  ///< the question marked identifying; "" = none (the survey as shipped)
};
inline DefaultSurvey loadDefaultSurvey(const fs::path& sourceDir) {
    const fs::path file = sourceDir / "assets/surveys/digital-kompetence.json";
    std::ifstream in(file, std::ios::binary);
    if (!in) die("cannot read " + file.string());
    nlohmann::json definition = nlohmann::json::parse(in);
    const char* identifying = std::getenv("SVARBOKS_BENCH_IDENTIFYING");
    std::string marked;
    if (identifying != nullptr && *identifying != '\0') {
        for (auto& page : definition["pages"]) {
            for (auto& element : page["elements"]) {
                if (element.value("name", "") == identifying) {
                    element["identifying"] = true;
                    marked = identifying;
                }
            }
        }
        if (marked.empty()) die(std::string("SVARBOKS_BENCH_IDENTIFYING: the survey has no question '") + identifying + "'");
    }
    auto loaded = shared::parseSurvey(definition.dump(), file.string());
    if (!loaded.ok()) die("cannot load " + file.string());
    return {*loaded.survey, std::move(definition), marked};
}

/// The PostgreSQL URL of $SVARBOKS_BENCH_DATABASE; "" = SQLite in the store's folder.
inline std::string benchDatabase() {
    const char* url = std::getenv("SVARBOKS_BENCH_DATABASE");
    return url != nullptr ? url : "";
}

/// Adds the units (in kGroups groups) and publishes the survey to all of them.
inline void prepare(server::Storage& store, const DefaultSurvey& survey) {
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

/// Stores responses number `from` up to `to`, each in a random unit and one of the first `weeks` ISO weeks
/// of `year`, with their tallies.
inline void fill(server::Storage& store, const shared::Survey& survey, Respondents& respondents, std::int64_t from, std::int64_t to,
                 int year = 2026, int weeks = kWeeks) {
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
        std::snprintf(week, sizeof week, "%04d-W%02d", year, static_cast<int>(1 + random() % static_cast<unsigned>(weeks)));
        server::IncomingItem item;
        item.id = shared::newUuidV4();
        item.sealed = "bench";
        item.sealedSha256 = shared::sha256Hex(item.id);
        item.tallies = server::responseTallies(survey, answers);
        item.response = server::StoredResponse{item.id, unitId(static_cast<int>(random() % kUnits)), survey.id, survey.version, week,
                                               random() % 5 == 0 ? "en" : "da",
                                               answers.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), ""};
        batch.push_back(std::move(item));
        if (batch.size() == kBatch) flush();
    }
    if (!batch.empty()) flush();
}

/// A store of one size, in its own folder (see the top of this file), or in $SVARBOKS_BENCH_DATABASE.
struct BenchStore {
    fs::path folder;  ///< the data folder: central.db in it (what `svarboks-central --data` opens)
    std::string database;  ///< the PostgreSQL URL; "" = central.db in the folder
    std::unique_ptr<server::Storage> store;
    std::int64_t inRound = 0;   ///< responses frozen into kRound
    std::int64_t open = 0;      ///< responses in the open round's weeks
    bool reused = false;        ///< a kept store from an earlier run; the times below are 0
    double fillSeconds = 0;     ///< storing the round's responses
    double releaseSeconds = 0;  ///< rounds release (server::releaseRound, early)
    double openSeconds = 0;     ///< storing the open round's responses
    bool kept = false;          ///< under $SVARBOKS_BENCH_STORE: not removed

    [[nodiscard]] fs::path file() const { return folder / "central.db"; }
    /// The size of the SQLite file; -1 in a database (`SELECT pg_database_size(current_database())` there).
    [[nodiscard]] double mib() const {
        return database.empty() ? static_cast<double>(fs::file_size(file())) / (1024.0 * 1024.0) : -1.0;
    }
    /// Where the store is, for a line of output.
    [[nodiscard]] std::string where() const { return database.empty() ? folder.string() : database; }
    /// What `svarboks-central` is given to open this store.
    [[nodiscard]] std::vector<std::string> cliStore() const {
        std::vector<std::string> args{"--data", folder.string()};
        if (!database.empty()) args.insert(args.end(), {"--database", database});
        return args;
    }
    /// Removes a store that is not kept (the next size needs the disk). A database stays as it is.
    void discard() {
        store.reset();
        std::error_code ec;
        if (!kept) fs::remove_all(folder, ec);
    }
};

/// What a complete store's marker says: its size, and the database it is in ("" = the folder's central.db).
inline std::string completeMarker(std::int64_t size, const std::string& database) {
    return std::to_string(size) + (database.empty() ? "" : " " + database) + "\n";
}

inline std::string readFile(const fs::path& file) {
    std::ifstream in(file);
    std::string text;
    for (std::string line; std::getline(in, line);) text += line + "\n";
    return text;
}

/// Opens (or fills) a store whose round kRound holds `size` responses, with size / 10 more in the open round.
inline BenchStore openStore(const DefaultSurvey& loaded, std::int64_t size, const fs::path& scratch) {
    BenchStore bench;
    const char* keep = std::getenv("SVARBOKS_BENCH_STORE");
    bench.database = benchDatabase();
    // The survey's digest in the name: a store filled with another definition is never taken for this one.
    const std::string name = "store-" + std::to_string(size) + "-" + loaded.survey.definitionSha256.substr(0, 12) +
                             (bench.database.empty() ? "" : "-postgresql");
    bench.kept = keep != nullptr && *keep != '\0';
    bench.folder = (bench.kept ? fs::path(keep) : scratch) / name;
    const fs::path complete = bench.folder / "complete";
    bench.reused = bench.kept && fs::exists(complete) && readFile(complete) == completeMarker(size, bench.database);
    if (!bench.reused) {
        std::error_code ec;
        fs::remove_all(bench.folder, ec);
        fs::create_directories(bench.folder);
    }
    if (bench.database.empty()) {
        auto opened = server::SqliteStorage::open(bench.file());
        if (!opened) die(opened.error().message);
        bench.store = std::move(*opened);
    } else {
        server::DataDir dir{bench.folder};
        dir.database = bench.database;
        auto opened = server::openStore(dir, server::StoreOpening::Create);
        if (!opened) die(opened.error().message);
        bench.store = std::move(*opened);
    }
    server::Storage& store = *bench.store;
    const shared::Survey& survey = loaded.survey;
    if (!bench.reused && !bench.database.empty()) {
        auto units = store.units();
        auto responses = store.responseCount();
        if (!units || !responses) die("cannot read the store in " + bench.database);
        if (!units->empty() || *responses != 0) {
            die("the database " + bench.database + " is not empty: give an empty one, or set SVARBOKS_BENCH_STORE to the folder of "
                "the run that filled it");
        }
    }
    if (!bench.reused) {
        prepare(store, loaded);
        Respondents respondents(survey);
        auto start = Clock::now();
        fill(store, survey, respondents, 0, size);
        bench.fillSeconds = seconds(start);
        if (auto status = server::addRound(store, {kRound, kRoundFrom, kRoundTo, ""}); !status) die(status.message());
        start = Clock::now();
        auto released = server::releaseRound(store, kRound, std::chrono::system_clock::now(), true);
        if (!released) die(released.error().message);
        bench.releaseSeconds = seconds(start);
        if (auto status = server::addRound(store, {kOpenRound, "2027-W01", "2027-W26", ""}); !status) die(status.message());
        start = Clock::now();
        fill(store, survey, respondents, size, size + size / 10, 2027, kOpenWeeks);
        bench.openSeconds = seconds(start);
        std::ofstream(complete) << completeMarker(size, bench.database);
    }
    auto inRound = store.countResponses({survey.id, survey.version, kRound});
    auto all = store.countResponses({survey.id, survey.version, ""});
    if (!inRound || !all) die("cannot count the stored responses");
    bench.inRound = *inRound;
    bench.open = *all - *inRound;
    if (bench.inRound != size) die("the round holds " + std::to_string(bench.inRound) + " responses, expected " + std::to_string(size));
    return bench;
}

/// Runs the real binary with stdout to /dev/null (stderr too when `quiet`); dies unless it exits 0.
inline void runCentral(const std::vector<std::string>& args, bool quiet = false) {
    std::vector<char*> argv;
    for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    std::fflush(stdout);  // else the child would print what is still buffered a second time
    const pid_t child = ::fork();
    if (child < 0) die("fork failed");
    if (child == 0) {
        if (std::freopen("/dev/null", "w", stdout) == nullptr) std::_Exit(127);
        if (quiet && std::freopen("/dev/null", "w", stderr) == nullptr) std::_Exit(127);
        ::execv(argv[0], argv.data());
        std::_Exit(127);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) die("svarboks-central " + args[1] + " failed (exit " + std::to_string(WEXITSTATUS(status)) + ")");
}

}  // namespace svarboks::bench
