#pragma once
// What the files of SqliteStorage share: the pool of connections, and the one way a call uses it.
//
// A call is a body run on a leased connection: read() as it is, snapshot() in a read transaction (several
// SELECTs see the same data), write() in a write transaction, after the other writers of this process
// (they queue on a mutex instead of spinning on SQLite's busy handler). The body gets a Work, whose
// fail() is the call's error: "store PATH: WHAT: SQLite's reason". Nothing throws out of a call.
#include "svarboks/server/storage.hpp"
#include "svarboks/shared/sqlite.hpp"

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <filesystem>
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

namespace sqlite = shared::sqlite;
using sqlite::Step;

inline constexpr std::string_view kCannotRead = "cannot read";
inline constexpr std::string_view kCannotWrite = "cannot write";

/// The store's schema: its migrations and the check that a file is a central store (schema.cpp).
[[nodiscard]] const sqlite::Schema& centralSchema();
/// How a connection of the store is opened.
[[nodiscard]] sqlite::Options connectionOptions(const sqlite::Schema* schema);

/// One call's connection and what its failures are called.
class Work {
public:
    Work(sqlite::Database& connection, std::string_view what) : m_db(connection), m_what(what) {}

    [[nodiscard]] sqlite::Database& db() { return m_db; }
    [[nodiscard]] sqlite::Query query(std::string_view sql) { return m_db.query(sql); }
    /// The call's error, with SQLite's reason.
    [[nodiscard]] Error fail() const { return m_db.error(m_what); }
    [[nodiscard]] std::int64_t changes() const { return m_db.changes(); }

    /// Runs a statement that returns no rows.
    [[nodiscard]] Status run(sqlite::Query& query) {
        if (!query.run()) return fail();
        return {};
    }
    /// Runs an INSERT; `exists` (an error without the prefix) when its key is taken.
    [[nodiscard]] Status insert(sqlite::Query& query, const std::string& exists) {
        if (query.step() == Step::Done) return {};
        if (m_db.constraintFailed()) return Error{exists};
        return fail();
    }
    /// Runs a statement that changes one row; `missing` (an error without the prefix) when it changed none.
    [[nodiscard]] Status change(sqlite::Query& query, const std::string& missing) {
        if (!query.run()) return fail();
        if (changes() == 0) return Error{missing};
        return {};
    }
    /// The first column of the one row of `query` (a count).
    [[nodiscard]] Result<std::int64_t> integer(sqlite::Query& query) {
        if (query.step() != Step::Row) return fail();
        return query.integerAt(0);
    }
    /// Every row of `query`, each made by `make(query)`.
    template <typename Make>
    [[nodiscard]] auto all(sqlite::Query& query, Make&& make) -> Result<std::vector<decltype(make(query))>> {
        std::vector<decltype(make(query))> rows;
        if (!query.each([&] { rows.push_back(make(query)); })) return fail();
        return rows;
    }
    /// The row of `query`, made by `make(query)`, or nullopt when there is none.
    template <typename Make>
    [[nodiscard]] auto one(sqlite::Query& query, Make&& make) -> Result<std::optional<decltype(make(query))>> {
        using Row = decltype(make(query));
        switch (query.step()) {
            case Step::Row: return std::optional<Row>(make(query));
            case Step::Done: return std::optional<Row>();
            case Step::Failed: break;
        }
        return fail();
    }

private:
    sqlite::Database& m_db;
    std::string_view m_what;
};

/// Refuses a unit that does not exist (the error says how to add it).
[[nodiscard]] Status requireUnit(Work& work, const std::string& unitId);

class SqlitePool {
public:
    /// A pool of at most `maxConnections` (at least 1), starting with `first`.
    SqlitePool(std::filesystem::path path, std::size_t maxConnections, sqlite::Database first);

    /// Runs `body(Work&)` on a connection of its own.
    template <typename Body>
    auto read(std::string_view what, Body&& body) -> decltype(body(std::declval<Work&>())) {
        try {
            auto lease = acquire();
            if (!lease) return lease.error();
            Work work(lease->db(), what);
            return body(work);
        } catch (const std::exception& e) {
            return Error{m_prefix + e.what()};
        }
    }
    /// Likewise, in a read transaction.
    template <typename Body>
    auto snapshot(std::string_view what, Body&& body) -> decltype(body(std::declval<Work&>())) {
        return read(what, [&](Work& work) { return sqlite::inReadTransaction(work.db(), what, [&](sqlite::Database&) { return body(work); }); });
    }
    /// Likewise, after the other writers of this process and without a transaction (a checkpoint).
    template <typename Body>
    auto alone(std::string_view what, Body&& body) -> decltype(body(std::declval<Work&>())) {
        return read(what, [&](Work& work) {
            const std::lock_guard writer(m_writeMutex);
            return body(work);
        });
    }
    /// Likewise, after the other writers of this process, in a write transaction that is committed when
    /// `body` succeeds and rolled back when it fails.
    template <typename Body>
    auto write(std::string_view what, Body&& body) -> decltype(body(std::declval<Work&>())) {
        return alone(what, [&](Work& work) { return sqlite::inWriteTransaction(work.db(), what, [&](sqlite::Database&) { return body(work); }); });
    }

private:
    class Lease {
    public:
        Lease(SqlitePool& pool, std::unique_ptr<sqlite::Database> connection) : m_pool(&pool), m_db(std::move(connection)) {}
        Lease(Lease&& other) noexcept = default;
        Lease& operator=(Lease&&) = delete;
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        ~Lease() {
            if (m_db) m_pool->release(std::move(m_db));
        }
        [[nodiscard]] sqlite::Database& db() const { return *m_db; }

    private:
        SqlitePool* m_pool;
        std::unique_ptr<sqlite::Database> m_db;
    };

    [[nodiscard]] Result<Lease> acquire();
    void release(std::unique_ptr<sqlite::Database> db);

    std::filesystem::path m_path;
    std::string m_prefix;
    std::size_t m_maxConnections;
    std::mutex m_poolMutex;
    std::condition_variable m_poolFree;
    std::vector<std::unique_ptr<sqlite::Database>> m_idle;
    std::size_t m_open = 1;
    std::mutex m_writeMutex;
};

// ---- tallies, written by storeItems (responses.cpp) and rebuildTallies (rounds.cpp) ----

/// Adds to a tally (a statement of TallySums::write).
inline constexpr std::string_view kAddTally =
    "INSERT INTO tallies (survey_id, survey_version, kind, unit_id, subject, value, period, count, sum) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
    "ON CONFLICT DO UPDATE SET count = count + excluded.count, sum = sum + excluded.sum";

/// The tallies of the responses one transaction stores, added up by key before they are written. The
/// responses of a batch share their kiosk's unit and mostly their week, so a batch of 20 writes each key
/// once instead of 20 times (docs/reliability.md#load). The keys are kept in the table's key order, so
/// the writes go through the index in order too.
class TallySums {
public:
    /// Adds one response's tallies to its week.
    void add(const StoredResponse& response, const std::vector<Tally>& tallies);
    [[nodiscard]] std::size_t size() const { return m_sums.size(); }
    /// Writes every sum with kAddTally and starts again from none; false when a write fails.
    [[nodiscard]] bool write(sqlite::Database& db);

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
