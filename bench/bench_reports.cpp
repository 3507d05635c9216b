// Reports and dashboard pages at scale (issue #5: with 1,000,000 stored responses across 1,000 units the
// overview page and a unit page each answer in under 300 ms, the report CLI in under 1 s).
//
//   bench_reports [N ...]     default: 1000000
//   SVARBOKS_BENCH_DATABASE=postgresql://... bench_reports N     the same on PostgreSQL (issue 18; one size)
//
// For each N, a store (bench/central_store.hpp: 1,000 units in 20 groups, the default survey, tallies
// stored with each response as ingest stores them) whose released round "2026" holds N responses over 52
// weeks, with N/10 more in the open next round. Reports are of a released round (issue 12), so every figure
// below is of that round, read from its frozen tallies. At each N it times, as the median of 5 runs each
// after one warm-up:
//   - buildReport() as `report` runs it (the latest released round, every unit and group, the five areas)
//     and with every question;
//   - the whole `svarboks-central report --data DIR` process (open the store, build, print), table and json;
//   - the dashboard's overview (/: the round's figures per unit and week; no counts of the open round,
//     which it no longer shows) and one unit's page (/unit?id=unit-0042), answered by Dashboard::handle for a logged-in
//     administrator exactly as `serve` answers them, without the TLS around it;
//   - beside them, reading every stored response of the survey once (rows only, in table order, the open
//     round's too): what a report would cost at the least if it read responses instead of tallies.
// A timed program rather than Google Benchmark: the figures are whole requests and processes.
#include "central_store.hpp"

#include "svarboks/server/accounts.hpp"
#include "svarboks/server/dashboard.hpp"
#include "svarboks/server/html.hpp"
#include "svarboks/server/report.hpp"

#include <algorithm>
#include <functional>

namespace {

using namespace svarboks;
using namespace svarboks::bench;

constexpr int kRuns = 5;

struct Timing {
    double median = 0;
    double worst = 0;
};

// One warm-up, then the median and the slowest of kRuns runs, in milliseconds.
Timing time(const std::function<void()>& run) {
    run();
    std::vector<double> ms;
    for (int i = 0; i < kRuns; ++i) {
        const auto start = Clock::now();
        run();
        ms.push_back(seconds(start) * 1000.0);
    }
    std::sort(ms.begin(), ms.end());
    return {ms[ms.size() / 2], ms.back()};
}

void print(const char* what, const Timing& timing, const char* goal = "") {
    std::printf("  %-58s median %8.1f ms  slowest %8.1f ms  %s\n", what, timing.median, timing.worst, goal);
}

server::HttpRequest get(const std::string& path, const std::string& query, const std::string& session) {
    server::HttpRequest request;
    request.method = "GET";
    request.path = path;
    request.query = server::parseUrlEncoded(query);
    request.headers = {{"Host", "127.0.0.1:8443"}, {"Cookie", "__Host-svarboks_session=" + session}};
    request.clientAddress = "127.0.0.1";
    return request;
}

std::string signIn(server::Dashboard& dashboard) {
    auto request = server::HttpRequest::make("POST", "/login", "user=bench&password=" + server::urlEncode("bench password 1234"));
    request.headers = {{"Host", "127.0.0.1:8443"}, {"Content-Type", "application/x-www-form-urlencoded"}, {"Sec-Fetch-Site", "same-origin"}};
    request.clientAddress = "127.0.0.1";
    const auto response = dashboard.handle(request);
    for (const auto& [name, value] : response.headers) {
        const std::string prefix = "__Host-svarboks_session=";
        if (name == "Set-Cookie" && value.rfind(prefix, 0) == 0) return value.substr(prefix.size(), value.find(';') - prefix.size());
    }
    die("the benchmark's login failed (status " + std::to_string(response.status) + ")");
}

}  // namespace

int main(int argc, char** argv) {
    const std::vector<std::int64_t> sizes = storeSizes(argc, argv);

    const DefaultSurvey loaded = loadDefaultSurvey(SVARBOKS_SOURCE_DIR);
    const shared::Survey& survey = loaded.survey;
    const fs::path& scratch = makeFolder("svarboks-bench-reports");
    const std::string central = SVARBOKS_CENTRAL_BINARY;

    std::printf("bench_reports: %s %s, %d units in %d groups, round %s (%s to %s), scratch in %s\n", survey.id.c_str(), survey.version.c_str(),
                kUnits, kGroups, kRound, kRoundFrom, kRoundTo, scratch.c_str());
    if (!benchDatabase().empty() && sizes.size() > 1) die("SVARBOKS_BENCH_DATABASE holds one store: give one size");
    for (const std::int64_t size : sizes) {
        BenchStore bench = openStore(loaded, size, scratch);
        server::Storage& store = *bench.store;
        const auto cli = [&](std::vector<std::string> args) {  // the real binary on this store
            args.insert(args.begin(), central);
            const auto storeArgs = bench.cliStore();
            args.insert(args.begin() + 2, storeArgs.begin(), storeArgs.end());
            runCentral(args);
        };
        std::printf("\n%lld responses in round %s, %lld more in the open round (%s, %s)\n", static_cast<long long>(bench.inRound), kRound,
                    static_cast<long long>(bench.open),
                    bench.database.empty() ? ("store " + std::to_string(static_cast<long>(bench.mib())) + " MiB").c_str() : "PostgreSQL",
                    bench.where().c_str());
        if (bench.reused) {
            std::printf("  a kept store, filled by an earlier run\n");
        } else {
            std::printf("  filled in %.1f s (%.0f responses/s), released in %.1f s, open round filled in %.1f s\n", bench.fillSeconds,
                        static_cast<double>(size) / bench.fillSeconds, bench.releaseSeconds, bench.openSeconds);
        }

        {  // the dashboard goes before the store
            auto existing = store.findUser("bench");
            if (!existing) die(existing.error().message);
            if (!*existing) {
                auto hash = server::hashPassword("bench password 1234", server::PasswordCost::Minimum);
                if (!hash) die(hash.error().message);
                if (auto status = store.addUser({"bench", *hash, "2026-12-06", 0, 0, "administrator", {}}); !status) die(status.message());
            }
            server::DashboardOptions options;
            options.accounts.cost = server::PasswordCost::Minimum;
            server::Dashboard dashboard(store, options, server::systemClock(), [](std::chrono::milliseconds) {});
            const std::string session = signIn(dashboard);

            const auto check = [&](const server::ReportRequest& request) {
                auto report = server::buildReport(store, request);
                if (!report) die(report.error().message);
                if (report->round.id != kRound) die("the report is of round " + report->round.id);
                if (report->rows.front().respondents.value != size) die("the report counts " + std::to_string(report->rows.front().respondents.value));
            };
            print("buildReport: units and groups, five areas", time([&] { check({}); }));
            server::ReportRequest questions;
            questions.questions = true;
            print("buildReport: units and groups, areas and every question", time([&] { check(questions); }));
            print("svarboks-central report (process; table)", time([&] { cli({"report"}); }), "goal < 1000 ms");
            print("svarboks-central report --format json (process)", time([&] { cli({"report", "--format", "json"}); }), "goal < 1000 ms");

            const auto page = [&](const std::string& path, const std::string& query) {
                const auto response = dashboard.handle(get(path, query, session));
                if (response.status != 200) die(path + " answered " + std::to_string(response.status));
                if (path == "/" && response.body.find("id=\"participation\"") == std::string::npos) die("the overview shows no participation table");
            };
            print("dashboard: overview page (/)", time([&] { page("/", ""); }), "goal < 300 ms");
            print("dashboard: a unit's page (/unit?id=unit-0042)", time([&] { page("/unit", "id=unit-0042"); }), "goal < 300 ms");
            print("dashboard: 4 units side by side (/compare)",
                  time([&] { page("/compare", "unit=unit-0001&unit=unit-0002&unit=unit-0500&unit=unit-0999"); }));

            std::int64_t rows = 0;
            print("beside them: read the survey's responses once (rows only)", time([&] {
                      rows = 0;
                      const auto status = store.forEachResponseOf({survey.id, survey.version, ""}, [&](const server::StoredResponse&) { return ++rows > 0; });
                      if (!status) die(status.message());
                  }));
        }
        bench.discard();
    }
    return 0;
}
