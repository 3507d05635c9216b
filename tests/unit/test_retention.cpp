// What is stored and kept (issue 13): retention by week, periods refused at ingest, the dead-letter cap per
// kiosk, the write-ahead log emptied, and the store's files private.
#include "test_server_fixture.hpp"

#include "svarboks/server/maintenance.hpp"
#include "svarboks/server/report.hpp"
#include "svarboks/server/retention.hpp"
#include "svarboks/server/rounds.hpp"
#include "svarboks/server/tally.hpp"
#include "svarboks/shared/hashing.hpp"

#include <sys/stat.h>

#include <set>
#include <thread>

namespace svarboks::test {
namespace {


std::set<std::string> column(Central& central, const std::string& sql) {
    std::set<std::string> values;
    central.query(sql, [&](sqlite3_stmt* row) { values.insert(Central::text(row, 0)); });
    return values;
}

std::int64_t fileSize(const fs::path& path) {
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    return ec ? -1 : static_cast<std::int64_t>(size);
}

}  // namespace

TEST_CASE("retention: the oldest week kept and the newest accepted, across year ends and a leap day") {
    // The current week's Sunday, 3 years back: 2026-11-29 -> 2023-11-29, a Wednesday of 2023-W48.
    CHECK(server::oldestKeptWeek("2026-W48") == "2023-W48");
    CHECK(server::oldestKeptWeek("2027-W01") == "2024-W02");  // Sunday 2027-01-10 -> Wednesday 2024-01-10
    // 2032-W09 ends on Sunday 29 February; 2029 has none, so the last day of February: 2029-W09.
    CHECK(server::oldestKeptWeek("2032-W09") == "2029-W09");
    CHECK(server::newestAcceptedWeek("2026-W48") == "2026-W49");
    CHECK(server::newestAcceptedWeek("2026-W52") == "2026-W53");  // 2026 has 53 weeks
    CHECK(server::newestAcceptedWeek("2026-W53") == "2027-W01");
    CHECK(server::periodRejection("2026-W49", "2026-W48").empty());
    CHECK(server::periodRejection("2023-W48", "2026-W48").empty());
    CHECK(server::periodRejection("2026-W50", "2026-W48").find("more than a week ahead") != std::string::npos);
    CHECK(server::periodRejection("2023-W47", "2026-W48").find("older than the 3-year retention") != std::string::npos);
}

TEST_CASE("retention: deletes exactly what is dated before the oldest week kept, old rounds whole, and nothing else") {
    Central central;  // the clock says 2026-W48: the oldest week kept is 2023-W48
    server::Storage& store = *central.store;
    int next = 1;
    const auto put = [&](const std::string& period) {
        const auto item = pulseItem(central, period, next++);
        auto stored = store.storeItems(std::vector<server::IncomingItem>{item}, "2026-W48");
        REQUIRE(stored.ok());
        REQUIRE(stored->front().result.status == shared::ItemStatus::Accepted);
        return item.id;
    };
    const auto release = [&](const std::string& id, const std::string& from, const std::string& to) {
        REQUIRE(server::addRound(store, {id, from, to, ""}).ok());
        auto released = server::releaseRound(store, id, central.fakeClock.now(), true);
        REQUIRE_MESSAGE(released.ok(), (released.ok() ? "" : released.error().message));
    };
    // A round that began before the oldest week kept goes whole, its weeks after it too (else its figures
    // would change, and the change would be the weeks deleted).
    put("2023-W41");
    put("2023-W49");
    release("r2023", "2023-W40", "2023-W50");
    const std::string inKeptRound = put("2024-W05");
    release("r2024", "2023-W51", "2024-W10");
    // Responses in no round (late for theirs), either side of the boundary week, and a recent one.
    put("2023-W47");
    const std::string lateAtBoundary = put("2023-W48");
    const std::string recent = put("2026-W40");
    // Dead letters received either side of it.
    server::IncomingItem rejected = pulseItem(central, "2026-W40", next++);
    rejected.response.reset();
    rejected.rejection = "a test rejection";
    REQUIRE(store.storeItems(std::vector<server::IncomingItem>{rejected}, "2023-W47").ok());
    rejected = pulseItem(central, "2026-W40", next++);
    rejected.response.reset();
    rejected.rejection = "a test rejection";
    const std::string keptLetter = rejected.id;
    REQUIRE(store.storeItems(std::vector<server::IncomingItem>{rejected}, "2023-W48").ok());
    REQUIRE(column(central, "SELECT DISTINCT period FROM tallies").count("2023-W47") == 1);

    auto run = server::applyRetention(store, central.fakeClock.now(), "test");
    REQUIRE_MESSAGE(run.ok(), (run.ok() ? "" : run.error().message));
    CHECK(run->oldestKept == "2023-W48");
    CHECK(run->rounds == std::vector<std::string>{"r2023"});

    CHECK(column(central, "SELECT id FROM responses") == std::set<std::string>{inKeptRound, lateAtBoundary, recent});
    CHECK(column(central, "SELECT id FROM rounds") == std::set<std::string>{"r2024"});
    CHECK(column(central, "SELECT DISTINCT round_id FROM round_tallies") == std::set<std::string>{"r2024"});
    CHECK(column(central, "SELECT DISTINCT round_id FROM round_units") == std::set<std::string>{"r2024"});
    CHECK(column(central, "SELECT id FROM dead_letters") == std::set<std::string>{keptLetter});
    for (const auto& period : column(central, "SELECT DISTINCT period FROM tallies")) CHECK(period >= "2023-W48");
    CHECK(column(central, "SELECT DISTINCT period FROM tallies").count("2023-W48") == 1);

    // The audit says what went, with no count (one of an old week could be about fewer than k people).
    auto audit = store.audit(10);
    REQUIRE(audit.ok());
    REQUIRE(!audit->empty());
    CHECK(audit->front().action == "retention");
    CHECK(audit->front().userName == "test");
    CHECK(audit->front().detail == "deleted everything dated before 2023-W48 (rounds deleted: r2023)");
    CHECK(audit->front().rows == 0);

    // The kept round still reports; a second run deletes nothing more.
    server::ReportRequest request;
    request.round = "r2024";
    CHECK(server::buildReport(store, request).ok());
    auto again = server::applyRetention(store, central.fakeClock.now(), "test");
    REQUIRE(again.ok());
    CHECK(again->rounds.empty());
    CHECK(central.count("responses") == 3);
}

TEST_CASE("ingest: a period more than a week ahead or past the retention is rejected per item and kept as a dead letter") {
    Central central;
    const Enrolled device = central.enrol();
    auto ahead = Central::payloadFor(central.pulse, validPulseAnswers());
    ahead.period = "2027-W10";
    auto ancient = Central::payloadFor(central.pulse, validPulseAnswers());
    ancient.period = "2020-W01";
    const std::vector<shared::BatchItem> items = {{shared::newUuidV4(), central.seal(ahead)},
                                                  {shared::newUuidV4(), central.sealValid()},
                                                  {shared::newUuidV4(), central.seal(ancient)}};
    const auto response = central.postBatch(device, Central::batchBody(items));
    REQUIRE(response.status == 200);
    const auto results = json::parse(response.body)["results"];
    CHECK(results[0]["status"] == "rejected");
    CHECK(results[1]["status"] == "accepted");
    CHECK(results[2]["status"] == "rejected");
    CHECK(column(central, "SELECT id FROM dead_letters") == std::set<std::string>{items[0].id, items[2].id});
    // The dead letters age out like anything else: three years and a week on, they are gone.
    central.fakeClock.advance(std::chrono::hours(24 * (3 * 365 + 8)));
    REQUIRE(server::applyRetention(*central.store, central.fakeClock.now(), "test").ok());
    CHECK(central.count("dead_letters") == 0);
    CHECK(central.count("responses") == 0);
}

TEST_CASE("dead letters: one kiosk's stop growing at the cap, with a reason that says so; another kiosk's are still kept") {
    Central central;
    const Enrolled noisy = central.enrol();
    const Enrolled quiet = central.enrol("vest");
    // 600 KB of base64 that decodes but opens with no key: 4 to a batch, 16 batches (38 MB sent).
    const std::string garbage(600 * 1024, 'A');
    bool capped = false;
    int notKept = 0;
    for (int batch = 0; batch < 16; ++batch) {
        std::vector<shared::BatchItem> items;
        for (int i = 0; i < 4; ++i) items.push_back({shared::newUuidV4(), garbage});
        const auto response = central.postBatch(noisy, Central::batchBody(items));
        REQUIRE(response.status == 200);
        const json body = json::parse(response.body);
        for (const auto& result : body["results"]) {
            CHECK(result["status"] == "rejected");
            if (result["error"].get<std::string>().ends_with(" (not kept: this kiosk's rejected responses on the server are at their cap)")) ++notKept;
        }
        capped = capped || response.deadLettersFull;
    }
    CHECK(capped);
    CHECK(notKept > 40);
    std::int64_t kept = 0;
    central.query("SELECT coalesce(sum(length(sealed)), 0) FROM dead_letters WHERE device_id = '" + noisy.deviceId + "'",
                  [&](sqlite3_stmt* row) { kept = static_cast<std::int64_t>(sqlite3_column_double(row, 0)); });
    CHECK(kept >= server::kDeadLetterBytesPerDevice);
    CHECK(kept <= server::kDeadLetterBytesPerDevice + static_cast<std::int64_t>(garbage.size()));
    // Another kiosk's rejected item is kept as always.
    const std::string id = shared::newUuidV4();
    const auto response = central.postBatch(quiet, Central::batchBody({{id, garbage}}));
    REQUIRE(response.status == 200);
    CHECK_FALSE(response.deadLettersFull);
    CHECK(column(central, "SELECT id FROM dead_letters WHERE device_id = '" + quiet.deviceId + "'") == std::set<std::string>{id});
}

TEST_CASE("the store: its files are private, and the write-ahead log is emptied so it keeps no order of arrival") {
    SVARBOKS_SQLITE_ONLY("about the SQLite file and its WAL (PostgreSQL settles its table instead: postgresql_tests)");
    Central central;
    const Enrolled device = central.enrol();
    REQUIRE(central.postBatch(device, Central::batchBody({{shared::newUuidV4(), central.sealValid()}})).status == 200);
    const fs::path db = central.data.store();
    const fs::path wal = db.string() + "-wal";
    for (const auto& file : {db, wal}) {
        CAPTURE(file);
        struct stat info {};
        REQUIRE(::stat(file.c_str(), &info) == 0);
        CHECK((info.st_mode & 0777) == 0600);
    }
    CHECK(fileSize(wal) > 0);
    auto flushed = central.store->flushLog();
    REQUIRE(flushed.ok());
    CHECK(*flushed);
    CHECK(fileSize(wal) == 0);

    // The server's maintenance does it on its own, and applies retention at start with a log line.
    std::vector<std::string> lines;
    std::mutex linesMutex;
    {
        server::Maintenance maintenance(*central.store, central.fakeClock.clock(),
                                        [&](const std::string& line) {
                                            const std::lock_guard lock(linesMutex);
                                            lines.push_back(line);
                                        },
                                        {std::chrono::milliseconds(50), std::chrono::hours(24)});
        // (Not checked that the WAL grows first: the maintenance thread may empty it at once.)
        REQUIRE(central.postBatch(device, Central::batchBody({{shared::newUuidV4(), central.sealValid()}})).status == 200);
        for (int i = 0; i < 100 && fileSize(wal) != 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
        CHECK(fileSize(wal) == 0);
    }
    const std::lock_guard lock(linesMutex);
    REQUIRE(!lines.empty());
    CHECK(json::parse(lines.front())["event"] == "retention");
    CHECK(json::parse(lines.front())["deleted_before"] == "2023-W48");
}

}  // namespace svarboks::test
