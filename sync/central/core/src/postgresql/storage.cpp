// PostgresStorage: connecting, its pool of connections, and the maintenance concern (settling, retention).
#include "pool.hpp"

#include "svarboks/server/postgresql_storage.hpp"
#include "svarboks/server/store.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

namespace svarboks::server {

/// Creates or migrates the schema on `connection` (schema.cpp).
[[nodiscard]] Status migratePgSchema(pq::Connection& connection, const std::string& prefix);

// ---- PgWork ----

Error PgWork::fail(const pq::Failure& failure) {
    m_sqlState = failure.sqlState;
    return Error{m_prefix + std::string(m_what) + ": " + failure.reason};
}

Result<pq::Rows> PgWork::exec(std::string_view sql, const pq::Params& params) {
    pq::Rows rows;
    if (auto failed = m_conn.exec(sql, params, rows)) return fail(*failed);
    m_sqlState.clear();
    return rows;
}

Status PgWork::command(std::string_view sql) {
    if (auto failed = m_conn.command(sql)) return fail(*failed);
    m_sqlState.clear();
    return {};
}

Status PgWork::run(std::string_view sql, const pq::Params& params) {
    auto rows = exec(sql, params);
    if (!rows) return rows.error();
    return {};
}

Status PgWork::insert(std::string_view sql, const pq::Params& params, const std::string& exists) {
    auto rows = exec(sql, params);
    if (rows) return {};
    if (m_sqlState == "23505") return Error{exists};  // unique_violation
    return rows.error();
}

Status PgWork::change(std::string_view sql, const pq::Params& params, const std::string& missing) {
    auto rows = exec(sql, params);
    if (!rows) return rows.error();
    if (rows->affected() == 0) return Error{missing};
    return {};
}

Result<std::int64_t> PgWork::integer(std::string_view sql, const pq::Params& params) {
    auto rows = exec(sql, params);
    if (!rows) return rows.error();
    if (rows->empty() || rows->isNull(0, 0)) return fail("no row where one was expected");
    return rows->integer(0, 0);
}

Status PgWork::lockStore(bool exclusive) {
    return run(exclusive ? "SELECT pg_advisory_xact_lock($1::bigint)" : "SELECT pg_advisory_xact_lock_shared($1::bigint)",
               pq::Params().integer(kStoreLock));
}

Status PgWork::stream(std::string_view sql, const pq::Params& params, const std::function<bool(const pq::Rows&, int)>& visit, int batch) {
    pq::Rows declared;
    if (auto failed = m_conn.execOnce("DECLARE svarboks_stream NO SCROLL CURSOR FOR " + std::string(sql), params, declared)) {
        return fail(*failed);
    }
    const std::string fetch = "FETCH " + std::to_string(batch) + " FROM svarboks_stream";
    for (bool more = true; more;) {
        pq::Rows rows;
        if (auto failed = m_conn.command(fetch, &rows)) return fail(*failed);
        for (int i = 0; i < rows.size() && more; ++i) more = visit(rows, i);
        if (rows.size() < batch) more = false;
    }
    return command("CLOSE svarboks_stream");
}

Status requirePgUnit(PgWork& work, const std::string& unitId) {
    auto found = work.exec("SELECT 1 FROM units WHERE id = $1", pq::Params().text(unitId));
    if (!found) return found.error();
    if (found->empty()) return Error{"there is no unit '" + unitId + "' (add it with: units add " + unitId + " --name NAME)"};
    return {};
}

// ---- PgPool ----

PgPool::PgPool(std::string url, std::size_t maxConnections, std::unique_ptr<pq::Connection> first)
    : m_url(std::move(url)), m_prefix("store " + redactDatabaseUrl(m_url) + ": "), m_maxConnections(std::max<std::size_t>(1, maxConnections)) {
    m_idle.push_back(std::move(first));
}

Result<PgPool::Lease> PgPool::acquire() {
    std::unique_lock lock(m_poolMutex);
    m_poolFree.wait(lock, [&] { return !m_idle.empty() || m_open < m_maxConnections; });
    if (!m_idle.empty()) {
        auto connection = std::move(m_idle.back());
        m_idle.pop_back();
        return Lease(*this, std::move(connection));
    }
    ++m_open;
    lock.unlock();
    auto opened = pq::Connection::open(m_url);
    if (!opened) {
        const std::lock_guard relock(m_poolMutex);
        --m_open;
        m_poolFree.notify_one();
        return Error{m_prefix + opened.error().message};
    }
    return Lease(*this, std::move(*opened));
}

void PgPool::release(std::unique_ptr<pq::Connection> connection) {
    // A connection that broke, or was left inside a transaction (a bug must not leak one), is closed:
    // the next call opens a new one (after a server restart, the store heals by itself).
    const bool clean = connection->idle();
    if (!clean) connection.reset();
    const std::lock_guard lock(m_poolMutex);
    if (clean) m_idle.push_back(std::move(connection));
    else --m_open;
    m_poolFree.notify_one();
}

void PgPool::backOff(int attempt) { std::this_thread::sleep_for(std::chrono::milliseconds(5 * attempt * attempt)); }

// ---- PostgresStorage ----

PostgresStorage::PostgresStorage(std::string url, std::unique_ptr<PgPool> pool) : m_url(std::move(url)), m_pool(std::move(pool)) {}

PostgresStorage::~PostgresStorage() = default;


Result<std::unique_ptr<PostgresStorage>> PostgresStorage::open(const std::string& url, std::size_t maxConnections) {
    const std::string shown = redactDatabaseUrl(url);
    const std::string prefix = "store " + shown + ": ";
    if (!isPostgresUrl(url)) return Error{prefix + "not a PostgreSQL URL (postgresql://USER@HOST:PORT/DATABASE)"};
    try {
        auto first = pq::Connection::open(url);
        if (!first) return Error{prefix + first.error().message};
        if (Status migrated = migratePgSchema(**first, prefix); !migrated) return Error{migrated.message()};
        auto pool = std::make_unique<PgPool>(url, maxConnections, std::move(*first));
        return std::unique_ptr<PostgresStorage>(new PostgresStorage(shown, std::move(pool)));
    } catch (const std::exception& e) {
        return Error{prefix + e.what()};
    }
}

// ---- maintenance ----

Status PostgresStorage::ping() {
    return m_pool->read(kPgCannotRead, [&](PgWork& work) -> Status {
        if (auto count = work.integer("SELECT count(*) FROM units"); !count) return count.error();
        return {};
    });
}

namespace {

// When the store was last settled (unix seconds of the database's clock; 0 = never).
constexpr std::string_view kSettledAt = "SELECT coalesce((SELECT value::bigint FROM settings WHERE key = 'settled_at'), 0), "
                                        "extract(epoch FROM now())::bigint";

}  // namespace

Result<bool> PostgresStorage::flushLog() {
    // Cheap when not due (the maintenance thread calls this often): one read, no lock.
    auto due = m_pool->read(kPgCannotRead, [&](PgWork& work) -> Result<bool> {
        auto rows = work.exec(kSettledAt);
        if (!rows) return rows.error();
        return rows->integer(0, 1) - rows->integer(0, 0) >= kSettleEverySeconds;
    });
    if (!due || !*due) return due.ok() ? Result<bool>(true) : due;
    return m_pool->write("cannot settle the responses", [&](PgWork& work) -> Result<bool> {
        if (Status locked = work.lockStore(true); !locked) return Error{locked.message()};
        // Another replica may have settled meanwhile; and nothing written since the last settle: nothing to hide.
        auto rows = work.exec(kSettledAt);
        if (!rows) return rows.error();
        if (rows->integer(0, 1) - rows->integer(0, 0) < kSettleEverySeconds) return true;
        const std::int64_t now = rows->integer(0, 1);
        auto unsettled = work.exec("SELECT 1 FROM responses WHERE NOT (xmin = coalesce((SELECT value FROM settings WHERE key = 'settled_xid'), '0')::xid) LIMIT 1");
        if (!unsettled) return unsettled.error();
        if (unsettled->empty()) return true;
        // Readers (an export) hold the table: give up after a while rather than queue every request behind us.
        if (Status wait = work.command("SET LOCAL lock_timeout = '5s'; SET LOCAL maintenance_work_mem = '256MB'"); !wait) {
            return Error{wait.message()};
        }
        // The table's keys and indexes as the schema made them: dropped while the rows go back in and built
        // again from these definitions after, by one sort each. Kept up row by row instead, the random keys
        // (id, sealed_sha256) made the rewrite of 1,100,000 responses take 34 s, with ingest waiting on the
        // store lock; so it takes 12 s (docs/benchmarks.md).
        auto keys = work.all("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                             "WHERE conrelid = 'responses'::regclass AND contype IN ('p', 'u') ORDER BY conname",
                             {}, [](const pq::Rows& r, int i) { return std::make_pair(r.text(i, 0), r.text(i, 1)); });
        if (!keys) return keys.error();
        auto indexes = work.all("SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                                "WHERE i.indrelid = 'responses'::regclass "
                                "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) ORDER BY c.relname",
                                {}, [](const pq::Rows& r, int i) { return std::make_pair(r.text(i, 0), r.text(i, 1)); });
        if (!indexes) return indexes.error();
        std::string sql = "CREATE TEMP TABLE settling ON COMMIT DROP AS SELECT * FROM responses; TRUNCATE responses;";
        for (const auto& [name, definition] : *keys) sql += " ALTER TABLE responses DROP CONSTRAINT \"" + name + "\";";
        for (const auto& [name, definition] : *indexes) sql += " DROP INDEX \"" + name + "\";";
        sql += " INSERT INTO responses SELECT * FROM settling ORDER BY unit_id, survey_id, survey_version, period, id;";
        for (const auto& [name, definition] : *keys) sql += " ALTER TABLE responses ADD CONSTRAINT \"" + name + "\" " + definition + ";";
        for (const auto& [name, definition] : *indexes) sql += " " + definition + ";";
        Status copied = work.command(sql);
        if (!copied) {
            if (work.sqlState() == "55P03") {  // lock_not_available
                (void)work.command("ROLLBACK");
                return false;
            }
            return Error{copied.message()};
        }
        if (Status stamped = work.run("INSERT INTO settings (key, value) VALUES ('settled_at', $1), "
                                      "('settled_xid', (pg_current_xact_id()::text::bigint % 4294967296)::text) "
                                      "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                                      pq::Params().integer(now));
            !stamped) {
            return Error{stamped.message()};
        }
        return true;
    });
}

Result<std::vector<std::string>> PostgresStorage::deleteBefore(const std::string& oldestKeptWeek) {
    return m_pool->write("cannot delete what is past its retention", [&](PgWork& work) -> Result<std::vector<std::string>> {
        if (Status locked = work.lockStore(true); !locked) return Error{locked.message()};
        auto rounds = work.all("SELECT id FROM rounds WHERE from_week < $1 ORDER BY from_week", pq::Params().text(oldestKeptWeek),
                               [](const pq::Rows& rows, int i) { return rows.text(i, 0); });
        if (!rounds) return rounds.error();
        for (const auto& round : *rounds) {
            for (const char* sql : {"DELETE FROM responses WHERE round_id = $1", "DELETE FROM round_tallies WHERE round_id = $1",
                                    "DELETE FROM round_units WHERE round_id = $1", "DELETE FROM rounds WHERE id = $1"}) {
                if (Status done = work.run(sql, pq::Params().text(round)); !done) return Error{done.message()};
            }
        }
        for (const char* sql : {"DELETE FROM responses WHERE round_id = '' AND period < $1", "DELETE FROM tallies WHERE period < $1",
                                "DELETE FROM dead_letters WHERE received_week < $1"}) {
            if (Status done = work.run(sql, pq::Params().text(oldestKeptWeek)); !done) return Error{done.message()};
        }
        return rounds;
    });
}

}  // namespace svarboks::server
