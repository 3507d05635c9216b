#pragma once
// What the files of PostgresStorage share: the pool of connections, and the one way a call uses it
// (as core/src/sqlite/pool.hpp does for SQLite).
//
// A call is a body run on a leased connection: read() as it is (each statement sees what is committed),
// snapshot() in a REPEATABLE READ READ ONLY transaction (several SELECTs see one snapshot), write() in a
// READ COMMITTED transaction that is committed when the body succeeds, rolled back when it fails, and run
// again from the start (a few times) when PostgreSQL ends it with a serialization failure or a deadlock
// (SQLSTATE 40001, 40P01). The body gets a PgWork whose failures read "store URL: WHAT: PostgreSQL's reason".
#include "pq.hpp"
#include "svarboks/server/storage.hpp"

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

namespace svarboks::server {

inline constexpr std::string_view kPgCannotRead = "cannot read";
inline constexpr std::string_view kPgCannotWrite = "cannot write";

/// The store-wide advisory lock (postgresql_storage.hpp): storeItems takes it shared, whole-store changes
/// exclusive, both for their transaction. 'SVBC' then 1.
inline constexpr std::int64_t kStoreLock = 0x5356424300000001;
/// The session lock migrations run under, so that two replicas starting at once do not both migrate.
inline constexpr std::int64_t kMigrationLock = 0x5356424300000002;
/// The first key of a kiosk's dead-letter lock (pg_advisory_xact_lock(kDeadLetterLockSpace, hashtext(device))).
inline constexpr int kDeadLetterLockSpace = 0x53564244;

/// One call's connection and what its failures are called.
class PgWork {
public:
    PgWork(pq::Connection& connection, const std::string& prefix, std::string_view what)
        : m_conn(connection), m_prefix(prefix), m_what(what) {}

    [[nodiscard]] pq::Connection& connection() { return m_conn; }
    /// The SQLSTATE of the last failed statement ("" after a success).
    [[nodiscard]] const std::string& sqlState() const { return m_sqlState; }

    /// Runs a statement (prepared once per connection).
    [[nodiscard]] Result<pq::Rows> exec(std::string_view sql, const pq::Params& params = {});
    /// Runs statements without parameters (BEGIN, DDL).
    [[nodiscard]] Status command(std::string_view sql);
    /// Runs a statement and forgets its rows.
    [[nodiscard]] Status run(std::string_view sql, const pq::Params& params = {});
    /// Runs an INSERT; `exists` (an error without the prefix) when its key is taken.
    [[nodiscard]] Status insert(std::string_view sql, const pq::Params& params, const std::string& exists);
    /// Runs a statement that changes one row; `missing` (an error without the prefix) when it changed none.
    [[nodiscard]] Status change(std::string_view sql, const pq::Params& params, const std::string& missing);
    /// The first column of the one row of a query (a count).
    [[nodiscard]] Result<std::int64_t> integer(std::string_view sql, const pq::Params& params = {});
    /// Takes the store lock for the rest of the transaction: shared (storeItems) or exclusive (whole-store changes).
    [[nodiscard]] Status lockStore(bool exclusive);
    /// Runs `sql` through a cursor, `batch` rows a fetch, calling `visit(rows, i)` for each row until it returns
    /// false. Holds one fetch in memory. Only inside a transaction.
    [[nodiscard]] Status stream(std::string_view sql, const pq::Params& params, const std::function<bool(const pq::Rows&, int)>& visit,
                                int batch = 1000);

    /// Every row, each made by `make(rows, i)`.
    template <typename Make>
    [[nodiscard]] auto all(std::string_view sql, const pq::Params& params, Make&& make)
        -> Result<std::vector<decltype(make(std::declval<const pq::Rows&>(), 0))>> {
        std::vector<decltype(make(std::declval<const pq::Rows&>(), 0))> out;
        auto rows = exec(sql, params);
        if (!rows) return rows.error();
        out.reserve(static_cast<std::size_t>(rows->size()));
        for (int i = 0; i < rows->size(); ++i) out.push_back(make(*rows, i));
        return out;
    }
    /// The first row made by `make(rows, 0)`, or nullopt when there is none.
    template <typename Make>
    [[nodiscard]] auto one(std::string_view sql, const pq::Params& params, Make&& make)
        -> Result<std::optional<decltype(make(std::declval<const pq::Rows&>(), 0))>> {
        using Row = decltype(make(std::declval<const pq::Rows&>(), 0));
        auto rows = exec(sql, params);
        if (!rows) return rows.error();
        if (rows->empty()) return std::optional<Row>();
        return std::optional<Row>(make(*rows, 0));
    }

    /// The call's error for a failure.
    [[nodiscard]] Error fail(const pq::Failure& failure);
    /// The call's error with a reason of ours.
    [[nodiscard]] Error fail(const std::string& reason) const { return Error{m_prefix + std::string(m_what) + ": " + reason}; }

private:
    pq::Connection& m_conn;
    const std::string& m_prefix;
    std::string_view m_what;
    std::string m_sqlState;
};

/// Refuses a unit that does not exist (the error says how to add it).
[[nodiscard]] Status requirePgUnit(PgWork& work, const std::string& unitId);

/// The columns of `responses` that visitResponses reads, in its order.
inline constexpr std::string_view kResponseColumns = "id, unit_id, survey_id, survey_version, period, locale, answers, round_id";
/// Streams `sql` (a SELECT of kResponseColumns) to `visit` through a cursor, a fetch in memory at a time;
/// `visit` returns false to stop (responses.cpp).
[[nodiscard]] Status visitResponses(PgWork& work, const std::string& sql, const pq::Params& params,
                                    const std::function<bool(const StoredResponse&)>& visit);

class PgPool {
public:
    /// A pool of at most `maxConnections` (at least 1) to `url`, starting with `first`.
    PgPool(std::string url, std::size_t maxConnections, std::unique_ptr<pq::Connection> first);

    [[nodiscard]] const std::string& prefix() const { return m_prefix; }

    /// Runs `body(PgWork&)` on a connection of its own, outside a transaction.
    template <typename Body>
    auto read(std::string_view what, Body&& body) -> decltype(body(std::declval<PgWork&>())) {
        try {
            auto lease = acquire();
            if (!lease) return lease.error();
            PgWork work(lease->connection(), m_prefix, what);
            return body(work);
        } catch (const std::exception& e) {
            return Error{m_prefix + std::string(what) + ": " + e.what()};
        }
    }
    /// Likewise, in one read-only snapshot.
    template <typename Body>
    auto snapshot(std::string_view what, Body&& body) -> decltype(body(std::declval<PgWork&>())) {
        return read(what, [&](PgWork& work) -> decltype(body(work)) {
            if (Status begun = work.command("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); !begun) return Error{begun.message()};
            auto result = body(work);
            if (!result) {
                (void)work.command("ROLLBACK");
                return result;
            }
            if (Status done = work.command("COMMIT"); !done) return Error{done.message()};
            return result;
        });
    }
    /// Likewise, in a READ COMMITTED write transaction, committed when `body` succeeds and rolled back when
    /// it fails; run again (at most kAttempts times in all) after a serialization failure or a deadlock.
    template <typename Body>
    auto write(std::string_view what, Body&& body) -> decltype(body(std::declval<PgWork&>())) {
        for (int attempt = 1;; ++attempt) {
            bool retry = false;
            auto outcome = read(what, [&](PgWork& work) -> decltype(body(work)) {
                if (Status begun = work.command("BEGIN ISOLATION LEVEL READ COMMITTED"); !begun) return Error{begun.message()};
                auto result = body(work);
                if (result) {
                    if (Status done = work.command("COMMIT"); !done) result = Error{done.message()};
                    else return result;
                } else {
                    (void)work.command("ROLLBACK");
                }
                retry = work.sqlState() == "40001" || work.sqlState() == "40P01";
                return result;
            });
            if (outcome || !retry || attempt >= kAttempts) return outcome;
            backOff(attempt);
        }
    }

    static constexpr int kAttempts = 5;

private:
    class Lease {
    public:
        Lease(PgPool& pool, std::unique_ptr<pq::Connection> connection) : m_pool(&pool), m_conn(std::move(connection)) {}
        Lease(Lease&& other) noexcept = default;
        Lease& operator=(Lease&&) = delete;
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        ~Lease() {
            if (m_conn) m_pool->release(std::move(m_conn));
        }
        [[nodiscard]] pq::Connection& connection() const { return *m_conn; }

    private:
        PgPool* m_pool;
        std::unique_ptr<pq::Connection> m_conn;
    };

    [[nodiscard]] Result<Lease> acquire();
    void release(std::unique_ptr<pq::Connection> connection);
    static void backOff(int attempt);

    std::string m_url;
    std::string m_prefix;
    std::size_t m_maxConnections;
    std::mutex m_poolMutex;
    std::condition_variable m_poolFree;
    std::vector<std::unique_ptr<pq::Connection>> m_idle;
    std::size_t m_open = 1;
};

// ---- tallies, written by storeItems (responses.cpp) and rebuildTallies (rounds.cpp) ----

/// The tallies of the responses one transaction stores, added up by key and written in one statement in
/// the table's key order: two batches lock the tally rows they share in the same order (no deadlock).
class PgTallySums {
public:
    void add(const StoredResponse& response, const std::vector<Tally>& tallies);
    [[nodiscard]] std::size_t size() const { return m_sums.size(); }
    /// Adds every sum to the tallies table and starts again from none.
    [[nodiscard]] Status write(PgWork& work);

private:
    // survey id, version, kind, period, unit, subject, value: the order of the tallies table's key
    using Key = std::tuple<std::string, std::string, std::string, std::string, std::string, std::string, std::string>;
    struct Sum {
        std::int64_t count = 0;
        double sum = 0;
    };
    std::map<Key, Sum> m_sums;
};

}  // namespace svarboks::server
