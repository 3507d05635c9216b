// Ingest into either store engine: THREADS writers (as a serve process's request threads, or several
// replicas' connections) each storing batches of 20 fresh responses to the pulse survey, with their report
// tallies, through storeItems for SECONDS; prints responses/s and the batch latency (median, p99). A timed
// program, not Google Benchmark: the store is the thing measured (docs/benchmarks.md).
//   bench_ingest postgresql://USER@HOST:PORT/DATABASE [THREADS] [SECONDS] [REPLICAS]
//   bench_ingest /tmp/central.db [THREADS] [SECONDS]
// On PostgreSQL, REPLICAS engines (default 1) share the threads, as that many processes would.
#include "svarboks/server/postgresql_storage.hpp"
#include "svarboks/server/sqlite_storage.hpp"
#include "svarboks/server/store.hpp"
#include "svarboks/server/tally.hpp"
#include "svarboks/shared/hashing.hpp"
#include "svarboks/shared/sealing.hpp"
#include "svarboks/shared/survey.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace svarboks;
using Clock = std::chrono::steady_clock;

namespace {

[[noreturn]] void die(const std::string& message) {
    std::cerr << "bench_ingest: " << message << "\n";
    std::exit(1);
}

std::unique_ptr<server::Storage> openStore(const std::string& where) {
    if (server::isPostgresUrl(where)) {
        auto opened = server::PostgresStorage::open(where, 32);
        if (!opened) die(opened.error().message);
        return std::move(*opened);
    }
    auto opened = server::SqliteStorage::open(where, 32);
    if (!opened) die(opened.error().message);
    return std::move(*opened);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) die("usage: bench_ingest STORE [THREADS] [SECONDS] [REPLICAS]");
    const std::string where = argv[1];
    const int threads = argc > 2 ? std::atoi(argv[2]) : 8;
    const int seconds = argc > 3 ? std::atoi(argv[3]) : 10;
    const int replicas = argc > 4 && server::isPostgresUrl(where) ? std::max(1, std::atoi(argv[4])) : 1;

    std::vector<std::unique_ptr<server::Storage>> stores;
    for (int r = 0; r < replicas; ++r) stores.push_back(openStore(where));
    const auto loaded = shared::loadSurveyFile(std::string(SVARBOKS_SOURCE_DIR) + "/assets/surveys/pulse.json");
    if (!loaded.ok()) die("cannot load the pulse survey");
    const shared::Survey& survey = *loaded.survey;
    std::ifstream file(std::string(SVARBOKS_SOURCE_DIR) + "/assets/surveys/pulse.json", std::ios::binary);
    std::stringstream bytes;
    bytes << file.rdbuf();
    (void)stores[0]->addUnit({"bench", "Bench", ""});
    if (auto published = stores[0]->publishSurvey({survey.id, survey.version, shared::canonicalDefinition(nlohmann::json::parse(bytes.str())),
                                                   survey.definitionSha256, survey.consentSha256, {}},
                                                  "bench");
        !published) {
        die(published.message());
    }
    const nlohmann::json answers = {{"used_tools", true}, {"finding_ease", 4}, {"problem_solved", 2}, {"help_wanted", {"course"}}};
    const auto tallies = server::responseTallies(survey, answers);
    const std::string answersJson = answers.dump();

    std::atomic<bool> stop{false};
    std::atomic<std::int64_t> stored{0};
    std::mutex latenciesMutex;
    std::vector<double> latencies;
    std::vector<std::thread> writers;
    const auto started = Clock::now();
    for (int t = 0; t < threads; ++t) {
        writers.emplace_back([&, t] {
            server::Storage& store = *stores[static_cast<std::size_t>(t % replicas)];
            std::vector<double> mine;
            while (!stop) {
                std::vector<server::IncomingItem> batch(20);
                for (auto& item : batch) {
                    item.id = shared::newUuidV4();
                    item.sealed = item.id;
                    item.sealedSha256 = shared::sha256Hex(item.id);
                    item.response = server::StoredResponse{item.id, "bench", survey.id, survey.version, "2026-W47", "da", answersJson, ""};
                    item.tallies = tallies;
                }
                const auto before = Clock::now();
                auto result = store.storeItems(batch, "2026-W48");
                if (!result) die(result.error().message);
                mine.push_back(std::chrono::duration<double, std::milli>(Clock::now() - before).count());
                stored += 20;
            }
            const std::lock_guard lock(latenciesMutex);
            latencies.insert(latencies.end(), mine.begin(), mine.end());
        });
    }
    std::this_thread::sleep_for(std::chrono::seconds(seconds));
    stop = true;
    for (auto& writer : writers) writer.join();
    const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
    std::sort(latencies.begin(), latencies.end());
    const auto at = [&](double q) { return latencies.empty() ? 0.0 : latencies[static_cast<std::size_t>(q * static_cast<double>(latencies.size() - 1))]; };
    std::printf("%s: %d threads, %d engine(s), %.1f s: %lld responses, %.0f responses/s; batch of 20: median %.1f ms, p99 %.1f ms\n",
                server::isPostgresUrl(where) ? "postgresql" : "sqlite", threads, replicas, elapsed, static_cast<long long>(stored.load()),
                static_cast<double>(stored.load()) / elapsed, at(0.5), at(0.99));
    return 0;
}
