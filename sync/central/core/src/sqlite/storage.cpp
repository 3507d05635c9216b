// SqliteStorage: opening the store, its pool of connections, and the maintenance concern.
#include "pool.hpp"

#include "svarboks/server/sqlite_storage.hpp"

#include <algorithm>

namespace svarboks::server {

namespace fs = std::filesystem;

SqlitePool::SqlitePool(fs::path path, std::size_t maxConnections, sqlite::Database first)
    : m_path(std::move(path)), m_prefix(first.prefix()), m_maxConnections(std::max<std::size_t>(1, maxConnections)) {
    m_idle.push_back(std::make_unique<sqlite::Database>(std::move(first)));
}

Result<SqlitePool::Lease> SqlitePool::acquire() {
    std::unique_lock lock(m_poolMutex);
    m_poolFree.wait(lock, [&] { return !m_idle.empty() || m_open < m_maxConnections; });
    if (!m_idle.empty()) {
        auto db = std::move(m_idle.back());
        m_idle.pop_back();
        return Lease(*this, std::move(db));
    }
    ++m_open;
    lock.unlock();
    auto opened = sqlite::Database::open(m_path, connectionOptions(nullptr));
    if (!opened) {
        const std::lock_guard relock(m_poolMutex);
        --m_open;
        m_poolFree.notify_one();
        return opened.error();
    }
    return Lease(*this, std::make_unique<sqlite::Database>(std::move(*opened)));
}

void SqlitePool::release(std::unique_ptr<sqlite::Database> db) {
    // A connection left inside a transaction (it cannot be, but a bug must not leak one) is dropped.
    const bool clean = !db->inTransaction();
    const std::lock_guard lock(m_poolMutex);
    if (clean) m_idle.push_back(std::move(db));
    else --m_open;
    m_poolFree.notify_one();
}

SqliteStorage::SqliteStorage(fs::path path, std::unique_ptr<SqlitePool> pool) : m_path(std::move(path)), m_pool(std::move(pool)) {}

SqliteStorage::~SqliteStorage() = default;

Result<std::unique_ptr<SqliteStorage>> SqliteStorage::open(const fs::path& path, std::size_t maxConnections) {
    try {
        auto opened = sqlite::Database::open(path, connectionOptions(&centralSchema()));
        if (!opened) return opened.error();
        auto pool = std::make_unique<SqlitePool>(path, maxConnections, std::move(*opened));
        return std::unique_ptr<SqliteStorage>(new SqliteStorage(path, std::move(pool)));
    } catch (const std::exception& e) {
        return Error{"store " + path.string() + ": " + e.what()};
    }
}

// ---- maintenance ----

Status SqliteStorage::ping() {
    return m_pool->read(kCannotRead, [&](Work& work) -> Status {
        auto query = work.query("SELECT count(*) FROM units");
        if (auto count = work.integer(query); !count) return count.error();
        return {};
    });
}

Result<bool> SqliteStorage::flushLog() {
    return m_pool->alone("cannot checkpoint its log", [&](Work& work) -> Result<bool> {
        // TRUNCATE: the WAL file goes back to 0 bytes, so its old frames are not left behind to be read.
        auto query = work.query("PRAGMA wal_checkpoint(TRUNCATE)");
        auto busy = work.integer(query);
        if (!busy) return busy.error();
        return *busy == 0;  // busy = 1 when a reader kept it from finishing
    });
}

Result<std::string> SqliteStorage::integrityCheck() {
    return m_pool->read("cannot check integrity", [&](Work& work) { return work.db().integrityCheck(); });
}

Result<std::vector<std::string>> SqliteStorage::deleteBefore(const std::string& oldestKeptWeek) {
    return m_pool->write("cannot delete what is past its retention", [&](Work& work) -> Result<std::vector<std::string>> {
        auto expired = work.query("SELECT id FROM rounds WHERE from_week < ?1 ORDER BY from_week");
        expired.text(1, oldestKeptWeek);
        auto rounds = work.all(expired, [&](const sqlite::Query& row) { return row.textAt(0); });
        if (!rounds) return rounds.error();
        expired.reset();
        for (const auto& round : *rounds) {
            for (const char* sql : {"DELETE FROM responses WHERE round_id = ?1", "DELETE FROM round_tallies WHERE round_id = ?1",
                                    "DELETE FROM round_units WHERE round_id = ?1", "DELETE FROM rounds WHERE id = ?1"}) {
                auto query = work.query(sql);
                query.text(1, round);
                if (Status done = work.run(query); !done) return Error{done.message()};
            }
        }
        for (const char* sql : {"DELETE FROM responses WHERE round_id = '' AND period < ?1", "DELETE FROM tallies WHERE period < ?1",
                                "DELETE FROM dead_letters WHERE received_week < ?1"}) {
            auto query = work.query(sql);
            query.text(1, oldestKeptWeek);
            if (Status done = work.run(query); !done) return Error{done.message()};
        }
        return rounds;
    });
}

}  // namespace svarboks::server
