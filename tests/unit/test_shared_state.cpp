// What several `serve` replicas share through the store (SharedStateStore): token buckets and values shown
// once, on SqliteStorage; the address keys and the sealing of shared_state.hpp.
#include "svarboks/server/shared_state.hpp"
#include "svarboks/server/sqlite_storage.hpp"
#include "test_database.hpp"
#include "test_helpers.hpp"

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <memory>
#include <ctime>
#include <optional>
#include <string>

using namespace svarboks;

namespace {

// On SQLite, or on PostgreSQL with SVARBOKS_TEST_DATABASE (test_database.hpp).
struct Store {
    test::TempDir dir;
    std::unique_ptr<test::TestDatabase> database;  // on PostgreSQL only; outlives the store
    std::unique_ptr<server::Storage> store;

    Store() { store = test::openTestStore(dir.path() / "central.db", database); }
    /// Another connection to the same store, as another replica has.
    [[nodiscard]] std::unique_ptr<server::Storage> replica() {
        std::unique_ptr<server::Storage> opened = test::openTestStore(dir.path() / "central.db", database);
        return opened;
    }
    /// takeAttempt's answer: -1 when allowed, else the seconds to wait.
    std::int64_t attempt(server::SharedStateStore& on, const std::string& key, int perMinute, std::int64_t nowMs) {
        auto taken = on.takeAttempt(key, perMinute, nowMs);
        REQUIRE(taken.ok());
        return taken->value_or(-1);
    }
    std::int64_t attempt(const std::string& key, int perMinute, std::int64_t nowMs) { return attempt(*store, key, perMinute, nowMs); }
    /// The rows of a table, read as another program would.
    [[nodiscard]] std::int64_t rows(const std::string& table) const {
        if (database) return std::stoll(*test::pgRows(database->url(), "SELECT count(*) FROM " + table)[0][0]);
        sqlite3* db = nullptr;
        REQUIRE(sqlite3_open_v2((dir.path() / "central.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
        sqlite3_stmt* stmt = nullptr;
        REQUIRE(sqlite3_prepare_v2(db, ("SELECT count(*) FROM " + table).c_str(), -1, &stmt, nullptr) == SQLITE_OK);
        REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
        const std::int64_t n = sqlite3_column_int64(stmt, 0);
        sqlite3_finalize(stmt);
        sqlite3_close(db);
        return n;
    }
};

constexpr std::int64_t kT0 = 1'795'435'200'000;  // unix milliseconds

}  // namespace

TEST_SUITE("shared state") {

TEST_CASE("takeAttempt: a full bucket of perMinute attempts, then the seconds to wait, refilled at perMinute a minute") {
    Store s;
    for (int i = 0; i < 6; ++i) CHECK(s.attempt("a", 6, kT0) == -1);
    // Empty: one attempt comes back after 10 s (6 a minute); nothing is taken by asking.
    CHECK(s.attempt("a", 6, kT0) == 10);
    CHECK(s.attempt("a", 6, kT0 + 4'000) == 6);
    CHECK(s.attempt("a", 6, kT0 + 9'500) == 1);  // whole seconds, at least 1
    CHECK(s.attempt("a", 6, kT0 + 10'000) == -1);
    CHECK(s.attempt("a", 6, kT0 + 10'000) == 10);
    // Another key has its own bucket.
    CHECK(s.attempt("b", 6, kT0 + 10'000) == -1);
    // Refilled after a minute: a whole burst again, and never more than perMinute.
    for (int i = 0; i < 6; ++i) CHECK(s.attempt("a", 6, kT0 + 600'000) == -1);
    CHECK(s.attempt("a", 6, kT0 + 600'000) > 0);
}

TEST_CASE("takeAttempt: two replicas take from one bucket; a clock behind does not refill it") {
    Store s;
    auto other = s.replica();
    for (int i = 0; i < 3; ++i) {
        CHECK(s.attempt(*s.store, "k", 4, kT0) == -1);
        if (i < 1) CHECK(s.attempt(*other, "k", 4, kT0) == -1);
    }
    CHECK(s.attempt(*other, "k", 4, kT0) == 15);
    // A replica whose clock is 5 s behind sees the bucket as the other one left it.
    CHECK(s.attempt(*other, "k", 4, kT0 - 5'000) == 15);
}

TEST_CASE("takeAttempt: a bucket untouched for a minute is forgotten; a busy one is kept") {
    Store s;
    CHECK(s.attempt("idle", 10, kT0) == -1);
    CHECK(s.attempt("busy", 10, kT0) == -1);
    const auto rows = [&] { return s.rows("attempt_buckets"); };
    CHECK(rows() == 2);
    CHECK(s.attempt("busy", 10, kT0 + 59'000) == -1);
    CHECK(rows() == 2);
    CHECK(s.attempt("busy", 10, kT0 + 61'000) == -1);
    CHECK(rows() == 1);
}

TEST_CASE("keepOnce and takeOnce: taken once, by its owner only, until it expires") {
    Store s;
    // keepOnce forgets by the store's clock: the values here expire after the real now.
    const auto now = static_cast<std::int64_t>(std::time(nullptr));
    REQUIRE(s.store->keepOnce("id1", "owner-a", std::string("sealed\0bytes", 12), now + 600).ok());
    // An id is kept once: a second keep under it is refused, and the first value stays.
    const auto again = s.store->keepOnce("id1", "owner-a", "other", now + 600);
    CHECK_FALSE(again.ok());
    // Another owner gets nothing, and asking does not use it up.
    auto foreign = s.store->takeOnce("id1", "owner-b", now);
    REQUIRE(foreign.ok());
    CHECK_FALSE(foreign->has_value());
    // The owner gets it, from another replica too, with its bytes as kept; then it is gone.
    auto other = s.replica();
    auto taken = other->takeOnce("id1", "owner-a", now + 1);
    REQUIRE(taken.ok());
    REQUIRE(taken->has_value());
    CHECK(**taken == std::string("sealed\0bytes", 12));
    auto twice = s.store->takeOnce("id1", "owner-a", now + 2);
    REQUIRE(twice.ok());
    CHECK_FALSE(twice->has_value());
    // Expired: not given, even to its owner.
    REQUIRE(s.store->keepOnce("id2", "owner-a", "x", now + 600).ok());
    auto late = s.store->takeOnce("id2", "owner-a", now + 600);
    REQUIRE(late.ok());
    CHECK_FALSE(late->has_value());
    auto unknown = s.store->takeOnce("nothing", "owner-a", now);
    REQUIRE(unknown.ok());
    CHECK_FALSE(unknown->has_value());
}

TEST_CASE("keepOnce forgets what expired by the store's clock; takeOnce what expired by the caller's") {
    Store s;
    const std::int64_t wallNow = static_cast<std::int64_t>(std::time(nullptr));
    REQUIRE(s.store->keepOnce("old", "o", "x", wallNow - 10).ok());
    REQUIRE(s.store->keepOnce("fresh", "o", "y", wallNow + 600).ok());
    const auto kept = [&] { return s.rows("kept_once"); };
    CHECK(kept() == 1);  // "old" went with the second keep
    REQUIRE(s.store->keepOnce("later", "o", "z", wallNow + 6000).ok());
    auto taken = s.store->takeOnce("nothing", "o", wallNow + 1000);
    REQUIRE(taken.ok());
    CHECK(kept() == 1);  // "fresh" expired by the caller's clock; "later" stays
}

TEST_CASE("sealed for a session: opened by that session's token and id only, and never readable in the store") {
    const std::string token = "a-session-token-of-the-cookie";
    const std::string sealed = server::sealForSession(token, "id1", "the password 7k2m");
    CHECK(sealed.find("the password") == std::string::npos);
    CHECK(server::openForSession(token, "id1", sealed) == std::optional<std::string>("the password 7k2m"));
    CHECK_FALSE(server::openForSession("another-session-token", "id1", sealed).has_value());
    CHECK_FALSE(server::openForSession(token, "id2", sealed).has_value());
    std::string changed = sealed;
    changed.back() = static_cast<char>(changed.back() ^ 1);
    CHECK_FALSE(server::openForSession(token, "id1", changed).has_value());
    CHECK_FALSE(server::openForSession(token, "id1", "short").has_value());
    // Sealed twice, two different byte strings (a random nonce each time).
    CHECK(server::sealForSession(token, "id1", "the password 7k2m") != sealed);
}

TEST_CASE("limit keys: IPv6 by its /64, IPv4-mapped as IPv4, other text as it is") {
    CHECK(server::limitedAddress("2001:db8:1:2:ffff::99") == "2001:db8:1:2::/64");
    CHECK(server::limitedAddress("192.0.2.7") == "192.0.2.7");
    CHECK(server::limitedAddress("::ffff:192.0.2.7") == "::ffff:192.0.2.7");
    const auto secret = server::randomLimitSecret();
    const auto now = server::TimePoint(std::chrono::seconds(1'795'435'200));
    CHECK(server::attemptKey(secret, "login", "2001:db8:1:2::1", now) == server::attemptKey(secret, "login", "2001:db8:1:2::2", now));
    CHECK(server::attemptKey(secret, "login", "192.0.2.7", now) != server::attemptKey(secret, "enrol", "192.0.2.7", now));
    CHECK(server::attemptKey(secret, "login", "192.0.2.7", now) == server::attemptKey(secret, "login", "192.0.2.7", now + std::chrono::hours(1)));
}

}  // TEST_SUITE
