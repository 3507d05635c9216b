// PostgresStorage with replicas racing: two engines (as two `serve` processes would hold) on one database,
// driven from threads at once; the settling of the responses table (ctid and xmin); the schema's guards.
// Runs only against a PostgreSQL server (SVARBOKS_TEST_DATABASE, set by tests/postgresql/with_cluster.sh).
#include "svarboks/server/enrolment.hpp"
#include "svarboks/server/postgresql_storage.hpp"
#include "svarboks/server/store.hpp"
#include "svarboks/server/tally.hpp"
#include "test_server_fixture.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <barrier>
#include <map>
#include <random>
#include <set>
#include <thread>

using namespace svarboks;
using svarboks::test::Central;
using svarboks::test::pgRows;

namespace {

// The fixture's store and a second engine on the same database.
struct Replicas {
    Replicas() {
        REQUIRE_MESSAGE(central.database, "set SVARBOKS_TEST_DATABASE (tests/postgresql/with_cluster.sh)");
        auto opened = server::PostgresStorage::open(central.database->url());
        REQUIRE_MESSAGE(opened.ok(), (opened.ok() ? "" : opened.error().message));
        second = std::move(*opened);
    }
    [[nodiscard]] server::Storage& engine(int i) { return i % 2 == 0 ? *central.store : *second; }
    [[nodiscard]] std::int64_t scalar(const std::string& sql) {
        const auto rows = pgRows(central.database->url(), sql);
        REQUIRE(rows.size() == 1);
        return rows[0][0] ? std::stoll(*rows[0][0]) : 0;
    }

    Central central;
    std::unique_ptr<server::PostgresStorage> second;
};

std::vector<server::IncomingItem> itemsOf(const Central& central, const std::vector<int>& numbers, const std::string& period = "2026-W47") {
    std::vector<server::IncomingItem> items;
    for (int n : numbers) items.push_back(test::pulseItem(central, period, n));
    return items;
}

}  // namespace

TEST_CASE("postgresql: overlapping batches of the same ids from two replicas store each id once and count it once") {
    Replicas replicas;
    constexpr int kIds = 400;
    constexpr int kThreads = 4;  // two per engine
    std::vector<std::map<std::string, int>> seen(kThreads);  // per thread: status -> how many
    std::vector<std::string> errors(kThreads);
    {
        std::vector<std::jthread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                std::vector<int> order(kIds);
                for (int i = 0; i < kIds; ++i) order[static_cast<std::size_t>(i)] = i;
                std::mt19937 random(static_cast<unsigned>(t + 1));
                std::shuffle(order.begin(), order.end(), random);
                for (std::size_t from = 0; from < order.size(); from += 20) {
                    const std::vector<int> batch(order.begin() + static_cast<std::ptrdiff_t>(from), order.begin() + static_cast<std::ptrdiff_t>(from + 20));
                    auto stored = replicas.engine(t).storeItems(itemsOf(replicas.central, batch), "2026-W48");
                    if (!stored) {
                        errors[static_cast<std::size_t>(t)] = stored.error().message;
                        return;
                    }
                    for (const auto& item : *stored) ++seen[static_cast<std::size_t>(t)][std::string(shared::statusText(item.result.status))];
                }
            });
        }
    }
    for (const auto& error : errors) CHECK_MESSAGE(error.empty(), error);
    int accepted = 0;
    int duplicate = 0;
    for (const auto& counts : seen) {
        accepted += counts.count("accepted") ? counts.at("accepted") : 0;
        duplicate += counts.count("duplicate") ? counts.at("duplicate") : 0;
        CHECK(counts.count("rejected") == 0);
    }
    CHECK(accepted == kIds);
    CHECK(duplicate == kIds * (kThreads - 1));
    CHECK(*replicas.central.store->responseCount() == kIds);
    CHECK(*replicas.second->responseCount() == kIds);
    CHECK(*replicas.central.store->deadLetterCount() == 0);
    // Each response's tallies once: one respondent each, and every other tally its own multiple of them.
    CHECK(replicas.scalar("SELECT sum(count) FROM tallies WHERE kind = 'n'") == kIds);
    const auto perResponse = server::responseTallies(replicas.central.pulse, test::validPulseAnswers()).size();
    CHECK(replicas.scalar("SELECT sum(count) FROM tallies") == static_cast<std::int64_t>(perResponse) * kIds);
}

TEST_CASE("postgresql: a kiosk's dead-letter cap holds with rejected items arriving on two replicas at once") {
    Replicas replicas;
    constexpr std::size_t kItemBytes = 1024 * 1024;
    std::atomic<int> notKept{0};
    std::atomic<int> failures{0};
    {
        std::vector<std::jthread> threads;
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([&, t] {
                for (int b = 0; b < 5; ++b) {
                    server::IncomingItem item;
                    item.id = shared::newUuidV4();
                    item.deviceId = "noisy";
                    item.sealed = std::string(kItemBytes - 1, static_cast<char>('a' + t)) + std::string(1, '\0');  // a NUL too: PostgreSQL text has none
                    item.sealedSha256 = shared::sha256Hex(item.id);
                    item.rejection = "cannot be decrypted";
                    auto stored = replicas.engine(t).storeItems(std::vector<server::IncomingItem>{item}, "2026-W48");
                    if (!stored) ++failures;
                    else if ((*stored)[0].notKept) ++notKept;
                }
            });
        }
    }
    CHECK(failures == 0);
    // 8 MiB kept (the cap is reached with the eighth), as one writer would have kept them; the rest answered but not kept.
    CHECK(*replicas.central.store->deadLetterCount() == static_cast<std::int64_t>(server::kDeadLetterBytesPerDevice / kItemBytes));
    CHECK(notKept == 20 - static_cast<int>(server::kDeadLetterBytesPerDevice / kItemBytes));
    CHECK(replicas.scalar("SELECT count(*) FROM dead_letters WHERE sealed LIKE '%\\u0000'") == *replicas.central.store->deadLetterCount());
}

TEST_CASE("postgresql: the same enrolment code and request id on two replicas at once make one device") {
    Replicas replicas;
    for (int round = 0; round < 10; ++round) {
        const std::string code = replicas.central.makeCode("solhoj");
        const std::string requestId = shared::newUuidV4();
        std::array<std::optional<server::EnrolOutcome>, 2> outcomes;
        std::array<std::string, 2> errors;
        std::barrier start(2);
        {
            std::vector<std::jthread> threads;
            for (int t = 0; t < 2; ++t) {
                threads.emplace_back([&, t] {
                    server::EnrolAttempt attempt{server::enrolmentCodeHash(code), requestId, 1'795'435'200, "2026-11-23",
                                                 "device-" + std::to_string(round) + "-" + std::to_string(t), shared::sha256Hex(std::to_string(round * 2 + t)),
                                                 "sealed token " + std::to_string(t), 1'795'435'800};
                    start.arrive_and_wait();
                    auto outcome = replicas.engine(t).enrol(attempt);
                    if (outcome) outcomes[static_cast<std::size_t>(t)] = *outcome;
                    else errors[static_cast<std::size_t>(t)] = outcome.error().message;
                });
            }
        }
        REQUIRE_MESSAGE(errors[0].empty(), errors[0]);
        REQUIRE_MESSAGE(errors[1].empty(), errors[1]);
        std::multiset<server::EnrolOutcome::Kind> kinds{outcomes[0]->kind, outcomes[1]->kind};
        CHECK(kinds == std::multiset{server::EnrolOutcome::Kind::Created, server::EnrolOutcome::Kind::Replayed});
        CHECK(outcomes[0]->deviceId == outcomes[1]->deviceId);
        const auto& created = outcomes[0]->kind == server::EnrolOutcome::Kind::Created ? *outcomes[0] : *outcomes[1];
        const auto& replayed = outcomes[0]->kind == server::EnrolOutcome::Kind::Created ? *outcomes[1] : *outcomes[0];
        CHECK(replayed.replayToken == "sealed token " + created.deviceId.substr(created.deviceId.size() - 1));
    }
    CHECK(replicas.scalar("SELECT count(*) FROM devices") == 10);
}

TEST_CASE("postgresql: wrong passwords counted on two replicas at once lock the account at exactly every fifth") {
    Replicas replicas;
    REQUIRE(replicas.central.store->addUser({"anna", "hash", "2026-11-23", 0, 0, "administrator", {}}).ok());
    constexpr int kFailures = 20;
    std::atomic<int> locks{0};
    std::atomic<int> failed{0};
    {
        std::vector<std::jthread> threads;
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([&, t] {
                for (int i = 0; i < kFailures / 4; ++i) {
                    auto account = replicas.engine(t).recordLoginFailure("anna", 5, 2'000'000'000);
                    if (!account || !*account) ++failed;
                    else if ((*account)->failedLogins == 0 && (*account)->lockedUntil == 2'000'000'000) ++locks;
                }
            });
        }
    }
    CHECK(failed == 0);
    CHECK(locks == kFailures / 5);
    auto anna = replicas.second->findUser("anna");
    REQUIRE(anna.ok());
    CHECK((*anna)->failedLogins == 0);
    CHECK((*anna)->lockedUntil == 2'000'000'000);
}

TEST_CASE("postgresql: a round released on one replica while batches arrive on another has exactly its frozen responses' tallies") {
    Replicas replicas;
    REQUIRE(replicas.central.store->addRound({"h2", "2026-W40", "2026-W52", ""}).ok());
    std::atomic<bool> stop{false};
    std::string ingestError;
    int sent = 0;
    std::jthread ingest([&] {
        for (int n = 0; !stop && n < 100'000; n += 20) {
            std::vector<int> batch(20);
            for (int i = 0; i < 20; ++i) batch[static_cast<std::size_t>(i)] = n + i;
            auto stored = replicas.second->storeItems(itemsOf(replicas.central, batch, n % 40 == 0 ? "2026-W45" : "2026-W47"), "2026-W48");
            if (!stored) {
                ingestError = stored.error().message;
                return;
            }
            sent += 20;
        }
    });
    while (sent < 200 && ingestError.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    auto frozen = replicas.central.store->releaseRound("h2", "2026-12-07");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    stop = true;
    ingest.join();
    REQUIRE_MESSAGE(ingestError.empty(), ingestError);
    REQUIRE_MESSAGE(frozen.ok(), (frozen.ok() ? "" : frozen.error().message));
    CHECK(*frozen >= 200);
    CHECK(*frozen < sent);  // batches arrived after the release too
    CHECK(replicas.scalar("SELECT count(*) FROM responses WHERE round_id = 'h2'") == *frozen);
    CHECK(replicas.scalar("SELECT count(*) FROM responses") == sent);
    // The round's tallies (over the whole round, and per week) count exactly its frozen responses.
    CHECK(replicas.scalar("SELECT sum(count) FROM round_tallies WHERE round_id = 'h2' AND kind = 'n' AND period = '*'") == *frozen);
    CHECK(replicas.scalar("SELECT sum(count) FROM round_tallies WHERE round_id = 'h2' AND kind = 'n' AND period <> '*'") == *frozen);
    const auto perResponse = server::responseTallies(replicas.central.pulse, test::validPulseAnswers()).size();
    CHECK(replicas.scalar("SELECT sum(count) FROM round_tallies WHERE round_id = 'h2' AND period = '*'") ==
          static_cast<std::int64_t>(perResponse) * *frozen);
    // And the live tallies still count every response, the later ones too.
    CHECK(replicas.scalar("SELECT sum(count) FROM tallies WHERE kind = 'n'") == sent);
}

TEST_CASE("postgresql: a value kept once is taken by exactly one of two replicas asked at once") {
    Replicas replicas;
    for (int round = 0; round < 20; ++round) {
        const std::string id = "once-" + std::to_string(round);
        const std::string sealed = std::string("sealed\0bytes ", 13) + std::to_string(round);
        REQUIRE(replicas.second->keepOnce(id, "anna", sealed, 4'000'000'000).ok());
        std::array<std::optional<std::string>, 2> taken;
        std::barrier start(2);
        {
            std::vector<std::jthread> threads;
            for (int t = 0; t < 2; ++t) {
                threads.emplace_back([&, t] {
                    start.arrive_and_wait();
                    auto value = replicas.engine(t).takeOnce(id, "anna", 1'795'435'200);
                    REQUIRE(value.ok());
                    taken[static_cast<std::size_t>(t)] = *value;
                });
            }
        }
        CHECK(taken[0].has_value() != taken[1].has_value());
        CHECK((taken[0] ? *taken[0] : *taken[1]) == sealed);
    }
    // Another owner's is neither given nor destroyed; an expired one is gone.
    REQUIRE(replicas.central.store->keepOnce("mine", "anna", "x", 4'000'000'000).ok());
    CHECK_FALSE(replicas.second->takeOnce("mine", "bo", 1'795'435'200)->has_value());
    CHECK(*replicas.second->takeOnce("mine", "anna", 1'795'435'200) == std::optional<std::string>("x"));
    REQUIRE(replicas.central.store->keepOnce("twice", "anna", "x", 4'000'000'000).ok());
    CHECK_FALSE(replicas.second->keepOnce("twice", "anna", "y", 4'000'000'000).ok());
}

TEST_CASE("postgresql: attempts taken on two replicas share one bucket") {
    Replicas replicas;
    std::atomic<int> allowed{0};
    {
        std::vector<std::jthread> threads;
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([&, t] {
                for (int i = 0; i < 5; ++i) {
                    auto wait = replicas.engine(t).takeAttempt("bucket", 10, 1'795'435'200'000);
                    REQUIRE(wait.ok());
                    if (!*wait) ++allowed;
                    else CHECK(**wait >= 1);
                }
            });
        }
    }
    CHECK(allowed == 10);
    // Six seconds later one attempt has come back (10 a minute).
    CHECK_FALSE(replicas.second->takeAttempt("bucket", 10, 1'795'435'206'000)->has_value());
    CHECK(replicas.central.store->takeAttempt("bucket", 10, 1'795'435'206'000)->value_or(0) >= 1);
}

TEST_CASE("postgresql: settling rewrites the responses in key order, all with one xmin, at most once an hour") {
    Replicas replicas;
    // Batches of shuffled ids: the heap holds them in arrival order, each batch with its own xmin.
    std::vector<int> numbers(200);
    for (int i = 0; i < 200; ++i) numbers[static_cast<std::size_t>(i)] = i;
    std::shuffle(numbers.begin(), numbers.end(), std::mt19937(7));
    for (std::size_t from = 0; from < numbers.size(); from += 20) {
        const std::vector<int> batch(numbers.begin() + static_cast<std::ptrdiff_t>(from), numbers.begin() + static_cast<std::ptrdiff_t>(from + 20));
        REQUIRE(replicas.engine(static_cast<int>(from / 20)).storeItems(itemsOf(replicas.central, batch, from % 40 == 0 ? "2026-W46" : "2026-W47"), "2026-W48").ok());
    }
    const std::string url = replicas.central.database->url();
    const auto heap = [&] {
        return pgRows(url, "SELECT xmin::text, unit_id || '|' || survey_id || '|' || survey_version || '|' || period || '|' || id FROM responses ORDER BY ctid");
    };
    const auto inKeyOrder = [](const std::vector<std::vector<std::optional<std::string>>>& rows) {
        std::vector<std::string> keys;
        for (const auto& row : rows) keys.push_back(*row[1]);
        return std::is_sorted(keys.begin(), keys.end());
    };
    const auto xmins = [](const std::vector<std::vector<std::optional<std::string>>>& rows) {
        std::set<std::string> seen;
        for (const auto& row : rows) seen.insert(*row[0]);
        return seen.size();
    };
    // The rewrite drops the table's keys and indexes and builds them again: they must come back as they were.
    const auto keysAndIndexes = [&] {
        return pgRows(url, "SELECT coalesce(k.conname || ' ' || pg_get_constraintdef(k.oid), ''), pg_get_indexdef(i.indexrelid) "
                           "FROM pg_index i LEFT JOIN pg_constraint k ON k.conindid = i.indexrelid "
                           "WHERE i.indrelid = 'responses'::regclass ORDER BY 2");
    };
    const auto shapeBefore = keysAndIndexes();
    REQUIRE(shapeBefore.size() == 4);
    auto before = heap();
    REQUIRE(before.size() == 200);
    CHECK_FALSE(inKeyOrder(before));
    CHECK(xmins(before) == 10);

    auto settled = replicas.second->flushLog();
    REQUIRE_MESSAGE(settled.ok(), (settled.ok() ? "" : settled.error().message));
    CHECK(*settled);
    auto after = heap();
    REQUIRE(after.size() == 200);
    CHECK(inKeyOrder(after));
    CHECK(xmins(after) == 1);
    CHECK(keysAndIndexes() == shapeBefore);
    // And they hold: an id stored before the rewrite is still a duplicate after it.
    const auto resent = replicas.engine(1).storeItems(itemsOf(replicas.central, {numbers[0]}), "2026-W48");
    REQUIRE(resent.ok());
    CHECK(resent->front().result.status == shared::ItemStatus::Duplicate);

    // Not again within the hour, even with new arrivals (which stay unsettled until then).
    REQUIRE(replicas.central.store->storeItems(itemsOf(replicas.central, {1000, 1001}), "2026-W48").ok());
    REQUIRE(*replicas.central.store->flushLog());
    CHECK(xmins(heap()) == 2);
    // An hour later (the store's clock, moved back by hand here) it settles them too; with nothing new it leaves the table be.
    pgRows(url, "UPDATE settings SET value = (value::bigint - 3600)::text WHERE key = 'settled_at'");
    REQUIRE(*replicas.central.store->flushLog());
    auto again = heap();
    CHECK(again.size() == 202);
    CHECK(inKeyOrder(again));
    CHECK(xmins(again) == 1);
    pgRows(url, "UPDATE settings SET value = (value::bigint - 3600)::text WHERE key = 'settled_at'");
    REQUIRE(*replicas.second->flushLog());
    CHECK(heap() == again);
    // The settled store reads as before.
    CHECK(*replicas.second->responseCount() == 202);
}

TEST_CASE("postgresql: a schema newer than the code, or a database of another program, is refused and left untouched") {
    Replicas replicas;
    const std::string url = replicas.central.database->url();
    pgRows(url, "UPDATE svarboks_schema SET version = 99");
    auto newer = server::PostgresStorage::open(url);
    REQUIRE_FALSE(newer.ok());
    CHECK(newer.error().message.find("schema version 99 is newer than this program knows (" + std::to_string(server::PostgresStorage::kSchemaVersion) + ")") !=
          std::string::npos);
    CHECK(pgRows(url, "SELECT version FROM svarboks_schema")[0][0] == std::optional<std::string>("99"));

    test::TestDatabase foreign(*test::testDatabaseUrl());
    pgRows(foreign.url(), "CREATE TABLE invoices (id integer)");
    auto other = server::PostgresStorage::open(foreign.url());
    REQUIRE_FALSE(other.ok());
    CHECK(other.error().message.find("another program") != std::string::npos);
    CHECK(pgRows(foreign.url(), "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")[0][0] == std::optional<std::string>("1"));
}

TEST_CASE("postgresql: two replicas creating the schema at once both open it; errors never show a password") {
    REQUIRE_MESSAGE(test::onPostgres(), "set SVARBOKS_TEST_DATABASE (tests/postgresql/with_cluster.sh)");
    test::TestDatabase fresh(*test::testDatabaseUrl());
    std::array<std::string, 4> errors;
    {
        std::vector<std::jthread> threads;
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([&, t] {
                auto opened = server::PostgresStorage::open(fresh.url());
                if (!opened) errors[static_cast<std::size_t>(t)] = opened.error().message;
            });
        }
    }
    for (const auto& error : errors) CHECK_MESSAGE(error.empty(), error);
    CHECK(pgRows(fresh.url(), "SELECT version FROM svarboks_schema")[0][0] == std::optional<std::string>(std::to_string(server::PostgresStorage::kSchemaVersion)));

    CHECK(server::isPostgresUrl("postgresql://svarboks@127.0.0.1/x"));
    CHECK(server::isPostgresUrl("postgres://db/x"));
    CHECK_FALSE(server::isPostgresUrl("/var/lib/svarboks/central.db"));
    auto refused = server::PostgresStorage::open("postgresql://svarboks:hunter2secret@127.0.0.1:1/svarboks?connect_timeout=2");
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().message.find("hunter2secret") == std::string::npos);
    CHECK(refused.error().message.find("postgresql://svarboks@127.0.0.1:1/svarboks") != std::string::npos);
    CHECK(refused.error().message.find("cannot connect") != std::string::npos);
}
