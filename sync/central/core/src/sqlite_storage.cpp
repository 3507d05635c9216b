#include "svarboks/server/sqlite_storage.hpp"

#include "svarboks/server/policy.hpp"
#include "svarboks/shared/files.hpp"

#include <sqlite3.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <exception>
#include <map>
#include <string_view>
#include <system_error>
#include <tuple>
#include <utility>

namespace svarboks::server {

namespace fs = std::filesystem;
using shared::syncDirectory;
using shared::systemMessage;

namespace {

// 'SVBC': tells this store from the kiosk's outbox and other SQLite files that also use user_version.
constexpr int kApplicationId = 0x53564243;

// migrations[v] takes the schema from version v to v + 1. Never edit one that has shipped; add another.
// Every table is WITHOUT ROWID: rows live in primary-key order, so no hidden rowid counts arrivals.
// Responses are clustered by unit, survey, version and week, and within those by their random v4 id:
// the order reports read them in, and no order of arrival. (A batch then dirties a few table pages
// instead of one per row; only the id index, which deduplication needs, takes random writes.)
constexpr std::array<std::string_view, SqliteStorage::kSchemaVersion> kMigrations = {
    R"sql(
CREATE TABLE units (
    id   TEXT PRIMARY KEY,
    name TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE devices (
    id           TEXT PRIMARY KEY,
    token_sha256 TEXT NOT NULL UNIQUE,
    unit_id      TEXT NOT NULL REFERENCES units (id),
    enrolled_on  TEXT NOT NULL,
    last_seen_on TEXT NOT NULL DEFAULT '',
    revoked      INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1))
) WITHOUT ROWID;

CREATE TABLE enrolment_codes (
    code_sha256  TEXT PRIMARY KEY,
    unit_id      TEXT NOT NULL REFERENCES units (id),
    expires_at   INTEGER NOT NULL,
    used         INTEGER NOT NULL DEFAULT 0 CHECK (used IN (0, 1)),
    request_id   TEXT,
    device_id    TEXT,
    replay_token BLOB,
    replay_until INTEGER
) WITHOUT ROWID;

CREATE TABLE surveys (
    survey_id         TEXT NOT NULL,
    version           TEXT NOT NULL,
    definition        TEXT NOT NULL,
    definition_sha256 TEXT NOT NULL,
    consent_sha256    TEXT NOT NULL,
    PRIMARY KEY (survey_id, version)
) WITHOUT ROWID;

CREATE TABLE survey_units (
    survey_id     TEXT NOT NULL,
    version       TEXT NOT NULL,
    unit_id       TEXT NOT NULL,
    published_seq INTEGER NOT NULL,
    PRIMARY KEY (survey_id, version, unit_id),
    FOREIGN KEY (survey_id, version) REFERENCES surveys (survey_id, version)
) WITHOUT ROWID;
CREATE INDEX survey_units_by_unit ON survey_units (unit_id, published_seq);

CREATE TABLE responses (
    id             TEXT NOT NULL UNIQUE,
    unit_id        TEXT NOT NULL,
    survey_id      TEXT NOT NULL,
    survey_version TEXT NOT NULL,
    period         TEXT NOT NULL,
    locale         TEXT NOT NULL,
    answers        TEXT NOT NULL,
    sealed_sha256  TEXT NOT NULL,
    PRIMARY KEY (unit_id, survey_id, survey_version, period, id)
) WITHOUT ROWID;

CREATE TABLE dead_letters (
    id            TEXT NOT NULL,
    sealed_sha256 TEXT NOT NULL,
    sealed        TEXT NOT NULL,
    reason        TEXT NOT NULL,
    received_week TEXT NOT NULL,
    PRIMARY KEY (id, sealed_sha256)
) WITHOUT ROWID;
)sql",
    // v2: unit groups and the report tallies (report.hpp). A store that already holds responses is marked
    // so that the next report or serve rebuilds its tallies (rebuildTallies) before using them.
    R"sql(
ALTER TABLE units ADD COLUMN group_name TEXT NOT NULL DEFAULT '';

CREATE TABLE tallies (
    survey_id      TEXT NOT NULL,
    survey_version TEXT NOT NULL,
    kind           TEXT NOT NULL,
    unit_id        TEXT NOT NULL,
    subject        TEXT NOT NULL,
    value          TEXT NOT NULL,
    period         TEXT NOT NULL,          -- an ISO week, or '*' for all weeks together
    count          INTEGER NOT NULL,
    sum            REAL NOT NULL,
    PRIMARY KEY (survey_id, survey_version, kind, period, unit_id, subject, value)
) WITHOUT ROWID;

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO settings (key, value) SELECT 'tallies_stale', '1' WHERE EXISTS (SELECT 1 FROM responses);
)sql",
    // v3: dashboard accounts (accounts.hpp) and their sessions, kept by the hash of the session token.
    R"sql(
CREATE TABLE users (
    name          TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    created_on    TEXT NOT NULL,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until  INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE sessions (
    token_sha256 TEXT PRIMARY KEY,
    user_name    TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_by_user ON sessions (user_name);
)sql",
    // v4: reporting rounds (report.hpp). A released round is frozen: its responses are marked with its id,
    // its tallies copied into round_tallies and its units' groups into round_units, all in the release's
    // transaction; reports and exports read only those, so nothing shown changes after the release.
    // Responses are also found by the digest of their sealed bytes: the same bytes under another id are refused.
    R"sql(
ALTER TABLE responses ADD COLUMN round_id TEXT NOT NULL DEFAULT '';
CREATE INDEX responses_by_sealed ON responses (sealed_sha256);
CREATE INDEX responses_by_round ON responses (round_id, survey_id, survey_version, id);
DELETE FROM tallies WHERE period = '*';  -- reports read the rounds' frozen tallies now

CREATE TABLE rounds (
    id          TEXT PRIMARY KEY,
    from_week   TEXT NOT NULL,
    to_week     TEXT NOT NULL,
    released_on TEXT NOT NULL DEFAULT '',
    k           INTEGER NOT NULL DEFAULT 5   -- the group size at the release: the round's reports keep it
) WITHOUT ROWID;

CREATE TABLE round_units (
    round_id   TEXT NOT NULL REFERENCES rounds (id),
    unit_id    TEXT NOT NULL,
    group_name TEXT NOT NULL,
    PRIMARY KEY (round_id, unit_id)
) WITHOUT ROWID;

CREATE TABLE round_tallies (
    round_id       TEXT NOT NULL,
    survey_id      TEXT NOT NULL,
    survey_version TEXT NOT NULL,
    kind           TEXT NOT NULL,
    period         TEXT NOT NULL,          -- an ISO week (respondents only), or '*' for the whole round
    unit_id        TEXT NOT NULL,
    subject        TEXT NOT NULL,
    value          TEXT NOT NULL,
    count          INTEGER NOT NULL,
    sum            REAL NOT NULL,
    PRIMARY KEY (round_id, survey_id, survey_version, kind, period, unit_id, subject, value)
) WITHOUT ROWID;

-- Roles (accounts.hpp): the accounts from before roles were administrators in all but name.
ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'administrator';
ALTER TABLE users ADD COLUMN scope TEXT NOT NULL DEFAULT '';  -- a unit leader's units and groups, one per line

-- What each account downloaded or changed, in the order it happened (about accounts, never respondents).
CREATE TABLE audit (
    seq       INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    user_name TEXT NOT NULL,
    action    TEXT NOT NULL,
    detail    TEXT NOT NULL,
    rows      INTEGER NOT NULL
);
)sql",
    // v5: retention and the dead-letter cap (retention.hpp, storage.hpp). Dead letters know their kiosk, so
    // that one kiosk's garbage is capped, and are found by week, so that they age out like responses.
    R"sql(
ALTER TABLE dead_letters ADD COLUMN device_id TEXT NOT NULL DEFAULT '';
CREATE INDEX dead_letters_by_device ON dead_letters (device_id);
CREATE INDEX dead_letters_by_week ON dead_letters (received_week);
)sql",
};
static_assert(std::none_of(kMigrations.begin(), kMigrations.end(), [](std::string_view sql) { return sql.empty(); }),
              "every schema version needs its migration");


std::string describe(sqlite3* db) {
    if (db == nullptr) return "out of memory";
    std::string message = sqlite3_errmsg(db);
    const int primary = sqlite3_extended_errcode(db) & 0xff;
    const int error = sqlite3_system_errno(db);
    if ((primary == SQLITE_CANTOPEN || primary == SQLITE_IOERR) && error != 0) message += " (" + systemMessage(error) + ")";
    if (primary == SQLITE_READONLY) message += " (the server's user needs write access to the file and its folder)";
    return message;
}


}  // namespace

// A prepared statement owned by a connection's cache; Query resets it after each use.
class CachedStatement {
public:
    explicit CachedStatement(sqlite3_stmt* stmt) : m_stmt(stmt) {}
    CachedStatement(const CachedStatement&) = delete;
    CachedStatement& operator=(const CachedStatement&) = delete;
    ~CachedStatement() { sqlite3_finalize(m_stmt); }
    [[nodiscard]] sqlite3_stmt* get() const { return m_stmt; }

private:
    sqlite3_stmt* m_stmt;
};

class Query {
public:
    explicit Query(sqlite3_stmt* stmt) : m_stmt(stmt) {}
    Query(const Query&) = delete;
    Query& operator=(const Query&) = delete;
    ~Query() {
        if (m_stmt != nullptr) {
            sqlite3_reset(m_stmt);
            sqlite3_clear_bindings(m_stmt);
        }
    }
    [[nodiscard]] bool ok() const { return m_stmt != nullptr; }

    // The bound text must outlive the next step (no copy).
    Query& text(int index, std::string_view value) {
        sqlite3_bind_text64(m_stmt, index, value.empty() ? "" : value.data(), value.size(), nullptr, SQLITE_UTF8);
        return *this;
    }
    Query& blob(int index, std::string_view value) {
        sqlite3_bind_blob64(m_stmt, index, value.empty() ? "" : value.data(), value.size(), nullptr);
        return *this;
    }
    Query& integer(int index, std::int64_t value) {
        sqlite3_bind_int64(m_stmt, index, value);
        return *this;
    }
    Query& null(int index) {
        sqlite3_bind_null(m_stmt, index);
        return *this;
    }

    [[nodiscard]] int step() { return sqlite3_step(m_stmt); }
    [[nodiscard]] sqlite3_stmt* statement() const { return m_stmt; }
    /// Makes the statement ready for new bindings (within one scope that runs it several times).
    void reset() {
        sqlite3_reset(m_stmt);
        sqlite3_clear_bindings(m_stmt);
    }
    /// Steps a statement that returns no rows; true when it ran.
    [[nodiscard]] bool run() {
        const bool done = sqlite3_step(m_stmt) == SQLITE_DONE;
        sqlite3_reset(m_stmt);
        return done;
    }

    [[nodiscard]] std::int64_t integerAt(int column) const { return sqlite3_column_int64(m_stmt, column); }
    [[nodiscard]] bool isNull(int column) const { return sqlite3_column_type(m_stmt, column) == SQLITE_NULL; }
    [[nodiscard]] std::string textAt(int column) const {
        const auto* data = sqlite3_column_text(m_stmt, column);
        const auto size = static_cast<std::size_t>(sqlite3_column_bytes(m_stmt, column));
        return data == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(data), size);
    }
    /// Like textAt, into a string whose capacity is reused row after row.
    void textInto(int column, std::string& to) const {
        const auto* data = sqlite3_column_text(m_stmt, column);
        to.assign(data == nullptr ? "" : reinterpret_cast<const char*>(data), static_cast<std::size_t>(sqlite3_column_bytes(m_stmt, column)));
    }
    [[nodiscard]] std::string blobAt(int column) const {
        const auto* data = sqlite3_column_blob(m_stmt, column);
        const auto size = static_cast<std::size_t>(sqlite3_column_bytes(m_stmt, column));
        return data == nullptr ? std::string() : std::string(static_cast<const char*>(data), size);
    }

private:
    sqlite3_stmt* m_stmt;
};

class SqliteConnection {
public:
    static Result<std::unique_ptr<SqliteConnection>> open(const fs::path& path, const std::string& prefix) {
        sqlite3* raw = nullptr;
        const int opened = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
        auto connection = std::unique_ptr<SqliteConnection>(new SqliteConnection(raw));
        if (opened != SQLITE_OK) return Error{prefix + "cannot open: " + describe(raw)};
        sqlite3_extended_result_codes(raw, 1);
        sqlite3_busy_timeout(raw, SqliteStorage::kBusyTimeoutMs);
        if (sqlite3_db_readonly(raw, "main") == 1) {
            return Error{prefix + "cannot write: the file is read-only (the server's user needs write access to the file and its folder)"};
        }
        for (const char* pragma : {"PRAGMA synchronous = FULL", "PRAGMA foreign_keys = ON", "PRAGMA secure_delete = ON"}) {
            if (!connection->exec(pragma)) return Error{prefix + "cannot configure (" + pragma + "): " + connection->error()};
        }
        return connection;
    }

    SqliteConnection(const SqliteConnection&) = delete;
    SqliteConnection& operator=(const SqliteConnection&) = delete;
    ~SqliteConnection() {
        m_statements.clear();
        sqlite3_close_v2(m_db);
    }

    [[nodiscard]] sqlite3* db() const { return m_db; }
    [[nodiscard]] std::string error() const { return describe(m_db); }
    [[nodiscard]] bool exec(const char* sql) { return sqlite3_exec(m_db, sql, nullptr, nullptr, nullptr) == SQLITE_OK; }

    /// A cached prepared statement for `sql` (a string literal); an invalid Query when it does not prepare.
    [[nodiscard]] Query query(const char* sql) {
        auto found = m_statements.find(sql);
        if (found == m_statements.end()) {
            sqlite3_stmt* raw = nullptr;
            if (sqlite3_prepare_v3(m_db, sql, -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr) != SQLITE_OK) {
                sqlite3_finalize(raw);
                return Query(nullptr);
            }
            found = m_statements.emplace(sql, std::make_unique<CachedStatement>(raw)).first;
        }
        return Query(found->second->get());
    }

private:
    explicit SqliteConnection(sqlite3* db) : m_db(db) {}
    sqlite3* m_db;
    std::map<std::string, std::unique_ptr<CachedStatement>> m_statements;
};

namespace {

// One unit of work; rolled back on destruction unless committed.
class Transaction {
public:
    explicit Transaction(SqliteConnection& connection) : m_connection(connection) {}
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction() {
        if (m_open && sqlite3_get_autocommit(m_connection.db()) == 0) sqlite3_exec(m_connection.db(), "ROLLBACK", nullptr, nullptr, nullptr);
    }
    [[nodiscard]] bool beginWrite() { return begin("BEGIN IMMEDIATE"); }
    [[nodiscard]] bool beginRead() { return begin("BEGIN DEFERRED"); }
    [[nodiscard]] bool commit() {
        if (!m_connection.exec("COMMIT")) return false;
        m_open = false;
        return true;
    }

private:
    bool begin(const char* sql) {
        m_open = m_connection.exec(sql);
        return m_open;
    }
    SqliteConnection& m_connection;
    bool m_open = false;
};

template <typename Body>
auto guarded(const std::string& prefix, Body&& body) noexcept -> decltype(body()) {
    try {
        return body();
    } catch (const std::exception& e) {
        return Error{prefix + e.what()};
    }
}

constexpr const char* kAddTally =
    "INSERT INTO tallies (survey_id, survey_version, kind, unit_id, subject, value, period, count, sum) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
    "ON CONFLICT DO UPDATE SET count = count + excluded.count, sum = sum + excluded.sum";

// The period of a round's tallies over all its weeks (round_tallies). It sorts before every ISO week
// ("2026-W05"), so a range of weeks never includes it.
constexpr const char* kWholeRound = "*";

// The tallies of the responses one transaction stores, added up by key before they are written. The
// responses of a batch share their kiosk's unit and mostly their week, so a batch of 20 writes each key
// once instead of 20 times (docs/reliability.md#load). The keys are kept in the table's
// key order, so the writes go through the index in order too.
class TallySums {
public:
    // Adds one response's tallies to its week.
    void add(const StoredResponse& response, const std::vector<Tally>& tallies) {
        for (const Tally& t : tallies) {
            Sum& sum = m_sums[Key{response.surveyId, response.surveyVersion, t.kind, response.period, response.unitId, t.subject, t.value}];
            sum.count += 1;
            sum.sum += t.sum;
        }
    }
    [[nodiscard]] std::size_t size() const { return m_sums.size(); }

    // Writes every sum with the prepared kAddTally statement and starts again from none; false when a
    // write fails.
    [[nodiscard]] bool write(Query& upsert) {
        for (const auto& [key, sum] : m_sums) {
            const auto& [surveyId, version, kind, period, unitId, subject, value] = key;
            upsert.text(1, surveyId).text(2, version).text(3, kind).text(4, unitId).text(5, subject).text(6, value).text(7, period);
            upsert.integer(8, sum.count);
            sqlite3_bind_double(upsert.statement(), 9, sum.sum);
            if (!upsert.run()) return false;
        }
        m_sums.clear();
        return true;
    }

private:
    // survey id, version, kind, period, unit, subject, value: the order of the tallies table's key
    using Key = std::tuple<std::string, std::string, std::string, std::string, std::string, std::string, std::string>;
    struct Sum {
        std::int64_t count = 0;
        double sum = 0;
    };
    std::map<Key, Sum> m_sums;
};

Device deviceFrom(const Query& row) {
    return Device{row.textAt(0), row.textAt(1), row.textAt(2), row.textAt(3), row.integerAt(4) != 0};
}

}  // namespace

class SqliteStorage::Lease {
public:
    Lease(SqliteStorage& owner, std::unique_ptr<SqliteConnection> connection)
        : m_owner(&owner), m_connection(std::move(connection)) {}
    Lease(Lease&& other) noexcept : m_owner(other.m_owner), m_connection(std::move(other.m_connection)) {}
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() {
        if (m_connection) m_owner->release(std::move(m_connection));
    }
    SqliteConnection& operator*() const { return *m_connection; }
    SqliteConnection* operator->() const { return m_connection.get(); }

private:
    SqliteStorage* m_owner;
    std::unique_ptr<SqliteConnection> m_connection;
};


SqliteStorage::SqliteStorage(fs::path path, std::size_t maxConnections)
    : m_path(std::move(path)), m_maxConnections(std::max<std::size_t>(1, maxConnections)) {}

SqliteStorage::~SqliteStorage() = default;

std::string SqliteStorage::prefix() const { return "store " + m_path.string() + ": "; }

Result<std::unique_ptr<SqliteStorage>> SqliteStorage::open(const fs::path& path, std::size_t maxConnections) {
    const std::string prefix = "store " + path.string() + ": ";
    return guarded(prefix, [&]() -> Result<std::unique_ptr<SqliteStorage>> {
        std::error_code ec;
        const bool created = !fs::exists(path, ec);
        // Private to the server's user, with its WAL and -shm (shared/files.hpp).
        if (Status made = shared::makeDatabasePrivate(path, created); !made) return Error{prefix + made.message()};
        auto opened = SqliteConnection::open(path, prefix);
        if (!opened) return opened.error();
        SqliteConnection& connection = **opened;

        const auto pragmaInt = [&](const char* sql) -> Result<std::int64_t> {
            auto query = connection.query(sql);
            if (!query.ok() || query.step() != SQLITE_ROW) return Error{prefix + "cannot read: " + connection.error()};
            return query.integerAt(0);
        };
        const auto check = [&]() -> Result<std::int64_t> {
            auto version = pragmaInt("PRAGMA user_version");
            if (!version) return version.error();
            auto application = pragmaInt("PRAGMA application_id");
            if (!application) return application.error();
            auto tables = pragmaInt("SELECT count(*) FROM sqlite_master");
            if (!tables) return tables.error();
            if (*version == 0 && *application == 0 && *tables == 0) return std::int64_t{0};
            if (*application != kApplicationId) {
                return Error{prefix + "is a database of another program (not a svarboks central store); refusing to change it"};
            }
            if (*version > kSchemaVersion) {
                return Error{prefix + "schema version " + std::to_string(*version) + " is newer than this program knows (" +
                             std::to_string(kSchemaVersion) + "); it was written by a newer svarboks-central (the file is left untouched)"};
            }
            return *version;
        };

        auto version = check();
        if (!version) return version.error();
        {
            auto wal = connection.query("PRAGMA journal_mode = WAL");
            if (!wal.ok() || wal.step() != SQLITE_ROW || wal.textAt(0) != "wal") {
                return Error{prefix + "cannot switch to WAL journal mode: " + connection.error()};
            }
        }
        if (*version < kSchemaVersion) {
            Transaction transaction(connection);
            if (!transaction.beginWrite()) return Error{prefix + "cannot migrate: " + connection.error()};
            version = check();  // another process may have migrated meanwhile
            if (!version) return version.error();
            for (auto from = *version; from < kSchemaVersion; ++from) {
                const std::string sql(kMigrations[static_cast<std::size_t>(from)]);
                if (!connection.exec(sql.c_str())) {
                    return Error{prefix + "cannot migrate from schema version " + std::to_string(from) + ": " + connection.error()};
                }
            }
            const std::string stamp = "PRAGMA user_version = " + std::to_string(kSchemaVersion) +
                                      "; PRAGMA application_id = " + std::to_string(kApplicationId);
            if (!connection.exec(stamp.c_str()) || !transaction.commit()) return Error{prefix + "cannot migrate: " + connection.error()};
        }
        if (created) {
            if (const int error = syncDirectory(path.parent_path()); error != 0) {
                return Error{prefix + "cannot sync its folder: " + systemMessage(error)};
            }
        }
        auto storage = std::unique_ptr<SqliteStorage>(new SqliteStorage(path, maxConnections));
        storage->m_idle.push_back(std::move(*opened));
        storage->m_open = 1;
        return storage;
    });
}

Result<SqliteStorage::Lease> SqliteStorage::acquire() {
    std::unique_lock lock(m_poolMutex);
    m_poolFree.wait(lock, [&] { return !m_idle.empty() || m_open < m_maxConnections; });
    if (!m_idle.empty()) {
        auto connection = std::move(m_idle.back());
        m_idle.pop_back();
        return Lease(*this, std::move(connection));
    }
    ++m_open;
    lock.unlock();
    auto opened = SqliteConnection::open(m_path, prefix());
    if (!opened) {
        const std::lock_guard relock(m_poolMutex);
        --m_open;
        m_poolFree.notify_one();
        return opened.error();
    }
    return Lease(*this, std::move(*opened));
}

void SqliteStorage::release(std::unique_ptr<SqliteConnection> connection) {
    // A connection left inside a transaction (it cannot be, but a bug must not leak one) is dropped.
    const bool clean = sqlite3_get_autocommit(connection->db()) != 0;
    const std::lock_guard lock(m_poolMutex);
    if (clean) m_idle.push_back(std::move(connection));
    else --m_open;
    m_poolFree.notify_one();
}

Status SqliteStorage::ping() {
    return guarded(prefix(), [&]() -> Status {
        auto lease = acquire();
        if (!lease) return lease.error();
        auto query = (*lease)->query("SELECT count(*) FROM units");
        if (!query.ok() || query.step() != SQLITE_ROW) return Error{prefix() + "cannot read: " + (*lease)->error()};
        return {};
    });
}

Result<bool> SqliteStorage::flushLog() {
    return guarded(prefix(), [&]() -> Result<bool> {
        auto lease = acquire();
        if (!lease) return lease.error();
        const std::lock_guard writer(m_writeMutex);  // between transactions of this process
        // TRUNCATE: the WAL file goes back to 0 bytes, so its old frames are not left behind to be read.
        auto query = (*lease)->query("PRAGMA wal_checkpoint(TRUNCATE)");
        if (!query.ok() || query.step() != SQLITE_ROW) return Error{prefix() + "cannot checkpoint its log: " + (*lease)->error()};
        return query.integerAt(0) == 0;  // busy = 1 when a reader kept it from finishing
    });
}

// ---- units ----

Status SqliteStorage::addUnit(const Unit& unit) {
    return guarded(prefix(), [&]() -> Status {
        auto lease = acquire();
        if (!lease) return lease.error();
        const std::lock_guard writer(m_writeMutex);
        auto query = (*lease)->query("INSERT INTO units (id, name, group_name) VALUES (?1, ?2, ?3)");
        if (!query.ok()) return Error{prefix() + "cannot write: " + (*lease)->error()};
        query.text(1, unit.id).text(2, unit.name).text(3, unit.group);
        if (query.step() != SQLITE_DONE) {
            if ((sqlite3_extended_errcode((*lease)->db()) & 0xff) == SQLITE_CONSTRAINT) return Error{"unit '" + unit.id + "' already exists"};
            return Error{prefix() + "cannot write: " + (*lease)->error()};
        }
        return {};
    });
}

Result<std::vector<Unit>> SqliteStorage::units() {
    return guarded(prefix(), [&]() -> Result<std::vector<Unit>> {
        auto lease = acquire();
        if (!lease) return lease.error();
        auto query = (*lease)->query("SELECT id, name, group_name FROM units ORDER BY id");
        if (!query.ok()) return Error{prefix() + "cannot read: " + (*lease)->error()};
        std::vector<Unit> units;
        int rc = SQLITE_ROW;
        while ((rc = query.step()) == SQLITE_ROW) units.push_back({query.textAt(0), query.textAt(1), query.textAt(2)});
        if (rc != SQLITE_DONE) return Error{prefix() + "cannot read: " + (*lease)->error()};
        return units;
    });
}

Result<std::optional<Unit>> SqliteStorage::findUnit(const std::string& id) {
    return guarded(prefix(), [&]() -> Result<std::optional<Unit>> {
        auto lease = acquire();
        if (!lease) return lease.error();
        auto query = (*lease)->query("SELECT id, name, group_name FROM units WHERE id = ?1");
        if (!query.ok()) return Error{prefix() + "cannot read: " + (*lease)->error()};
        query.text(1, id);
        switch (query.step()) {
            case SQLITE_ROW: return std::optional<Unit>(Unit{query.textAt(0), query.textAt(1), query.textAt(2)});
            case SQLITE_DONE: return std::optional<Unit>();
            default: return Error{prefix() + "cannot read: " + (*lease)->error()};
        }
    });
}

Status SqliteStorage::setUnitGroup(const std::string& id, const std::string& group) {
    return guarded(prefix(), [&]() -> Status {
        auto lease = acquire();
        if (!lease) return lease.error();
        const std::lock_guard writer(m_writeMutex);
        auto query = (*lease)->query("UPDATE units SET group_name = ?2 WHERE id = ?1");
        if (!query.ok()) return Error{prefix() + "cannot write: " + (*lease)->error()};
        query.text(1, id).text(2, group);
        if (!query.run()) return Error{prefix() + "cannot write: " + (*lease)->error()};
        if (sqlite3_changes((*lease)->db()) == 0) return Error{"no unit '" + id + "'"};
        return {};
    });
}

// ---- enrolment and devices ----

Status SqliteStorage::addEnrolmentCode(const std::string& codeSha256, const std::string& unitId, std::int64_t expiresAt) {
    return guarded(prefix(), [&]() -> Status {
        auto lease = acquire();
        if (!lease) return lease.error();
        const std::lock_guard writer(m_writeMutex);
        Transaction transaction(**lease);
        const auto fail = [&] { return Error{prefix() + "cannot write: " + (*lease)->error()}; };
        if (!transaction.beginWrite()) return fail();
        {
            auto unit = (*lease)->query("SELECT 1 FROM units WHERE id = ?1");
            if (!unit.ok()) return fail();
            unit.text(1, unitId);
            const int rc = unit.step();
            if (rc == SQLITE_DONE) return Error{"there is no unit '" + unitId + "' (add it with: units add " + unitId + " --name NAME)"};
            if (rc != SQLITE_ROW) return fail();
        }
        auto insert = (*lease)->query("INSERT INTO enrolment_codes (code_sha256, unit_id, expires_at) VALUES (?1, ?2, ?3)");
        if (!insert.ok()) return fail();
        insert.text(1, codeSha256).text(2, unitId).integer(3, expiresAt);
        if (insert.step() != SQLITE_DONE || !transaction.commit()) return fail();
        return {};
    });
}

Result<EnrolOutcome> SqliteStorage::enrol(const EnrolAttempt& attempt) {
    return guarded(prefix(), [&]() -> Result<EnrolOutcome> {
        auto lease = acquire();
        if (!lease) return lease.error();
        SqliteConnection& db = **lease;
        const auto fail = [&] { return Error{prefix() + "cannot enrol: " + db.error()}; };
        const std::lock_guard writer(m_writeMutex);
        Transaction transaction(db);
        if (!transaction.beginWrite()) return fail();

        // Replay tokens live only for their window; wiping them here keeps the table free of old ones
        // without a timer (and secure_delete overwrites the freed bytes).
        {
            auto wipe = db.query("UPDATE enrolment_codes SET replay_token = NULL, replay_until = NULL "
                                 "WHERE replay_token IS NOT NULL AND replay_until <= ?1");
            if (!wipe.ok()) return fail();
            wipe.integer(1, attempt.now);
            if (wipe.step() != SQLITE_DONE) return fail();
        }

        EnrolOutcome outcome;
        auto code = db.query("SELECT c.unit_id, u.name, c.expires_at, c.used, c.request_id, c.device_id, c.replay_token "
                             "FROM enrolment_codes c JOIN units u ON u.id = c.unit_id WHERE c.code_sha256 = ?1");
        if (!code.ok()) return fail();
        code.text(1, attempt.codeSha256);
        const int rc = code.step();
        if (rc == SQLITE_DONE) {
            if (!transaction.commit()) return fail();
            return outcome;
        }
        if (rc != SQLITE_ROW) return fail();
        outcome.unit = {code.textAt(0), code.textAt(1), {}};  // the enrol answer names the unit; its group plays no part
        const std::int64_t expiresAt = code.integerAt(2);
        const bool used = code.integerAt(3) != 0;
        const std::string requestId = code.textAt(4);
        const std::string deviceId = code.textAt(5);
        const bool replayable = !code.isNull(6);
        std::string replayToken = code.blobAt(6);

        if (used) {
            if (replayable && requestId == attempt.requestId) {
                auto device = db.query("SELECT revoked FROM devices WHERE id = ?1");
                if (!device.ok()) return fail();
                device.text(1, deviceId);
                const int found = device.step();
                if (found != SQLITE_ROW && found != SQLITE_DONE) return fail();
                if (found == SQLITE_ROW && device.integerAt(0) == 0) {
                    outcome.kind = EnrolOutcome::Kind::Replayed;
                    outcome.deviceId = deviceId;
                    outcome.replayToken = std::move(replayToken);
                }
            }
            if (!transaction.commit()) return fail();
            return outcome;
        }
        if (expiresAt <= attempt.now) {
            if (!transaction.commit()) return fail();
            return outcome;
        }

        auto insert = db.query("INSERT INTO devices (id, token_sha256, unit_id, enrolled_on) VALUES (?1, ?2, ?3, ?4)");
        if (!insert.ok()) return fail();
        insert.text(1, attempt.newDeviceId).text(2, attempt.newTokenSha256).text(3, outcome.unit.id).text(4, attempt.today);
        if (insert.step() != SQLITE_DONE) return fail();
        auto mark = db.query("UPDATE enrolment_codes SET used = 1, request_id = ?2, device_id = ?3, replay_token = ?4, "
                             "replay_until = ?5 WHERE code_sha256 = ?1");
        if (!mark.ok()) return fail();
        mark.text(1, attempt.codeSha256).text(2, attempt.requestId).text(3, attempt.newDeviceId);
        mark.blob(4, attempt.replayToken).integer(5, attempt.replayUntil);
        if (mark.step() != SQLITE_DONE || !transaction.commit()) return fail();
        outcome.kind = EnrolOutcome::Kind::Created;
        outcome.deviceId = attempt.newDeviceId;
        return outcome;
    });
}

Result<std::optional<Device>> SqliteStorage::authenticate(const std::string& tokenSha256, const std::string& today) {
    return guarded(prefix(), [&]() -> Result<std::optional<Device>> {
        auto lease = acquire();
        if (!lease) return lease.error();
        SqliteConnection& db = **lease;
        std::optional<Device> device;
        {
            auto query = db.query("SELECT id, unit_id, enrolled_on, last_seen_on, revoked FROM devices WHERE token_sha256 = ?1");
            if (!query.ok()) return Error{prefix() + "cannot read: " + db.error()};
            query.text(1, tokenSha256);
            const int rc = query.step();
            if (rc == SQLITE_ROW) device = deviceFrom(query);
            else if (rc != SQLITE_DONE) return Error{prefix() + "cannot read: " + db.error()};
        }
        if (device && !device->revoked && device->lastSeenOn != today) {
            const std::lock_guard writer(m_writeMutex);
            auto touch = db.query("UPDATE devices SET last_seen_on = ?2 WHERE id = ?1");
            if (!touch.ok()) return Error{prefix() + "cannot write: " + db.error()};
            touch.text(1, device->id).text(2, today);
            if (touch.step() != SQLITE_DONE) return Error{prefix() + "cannot write: " + db.error()};
            device->lastSeenOn = today;
        }
        return device;
    });
}

Result<std::optional<Device>> SqliteStorage::findDevice(const std::string& id) {
    return guarded(prefix(), [&]() -> Result<std::optional<Device>> {
        auto lease = acquire();
        if (!lease) return lease.error();
        auto query = (*lease)->query("SELECT id, unit_id, enrolled_on, last_seen_on, revoked FROM devices WHERE id = ?1");
        if (!query.ok()) return Error{prefix() + "cannot read: " + (*lease)->error()};
        query.text(1, id);
        switch (query.step()) {
            case SQLITE_ROW: return std::optional<Device>(deviceFrom(query));
            case SQLITE_DONE: return std::optional<Device>();
            default: return Error{prefix() + "cannot read: " + (*lease)->error()};
        }
    });
}

Result<std::vector<Device>> SqliteStorage::devices() {
    return guarded(prefix(), [&]() -> Result<std::vector<Device>> {
        auto lease = acquire();
        if (!lease) return lease.error();
        auto query = (*lease)->query("SELECT id, unit_id, enrolled_on, last_seen_on, revoked FROM devices ORDER BY unit_id, enrolled_on, id");
        if (!query.ok()) return Error{prefix() + "cannot read: " + (*lease)->error()};
        std::vector<Device> devices;
        int rc = SQLITE_ROW;
        while ((rc = query.step()) == SQLITE_ROW) devices.push_back(deviceFrom(query));
        if (rc != SQLITE_DONE) return Error{prefix() + "cannot read: " + (*lease)->error()};
        return devices;
    });
}

Status SqliteStorage::revokeDevice(const std::string& id) {
    return guarded(prefix(), [&]() -> Status {
        auto lease = acquire();
        if (!lease) return lease.error();
        const std::lock_guard writer(m_writeMutex);
        auto query = (*lease)->query("UPDATE devices SET revoked = 1 WHERE id = ?1");
        if (!query.ok()) return Error{prefix() + "cannot write: " + (*lease)->error()};
        query.text(1, id);
        if (query.step() != SQLITE_DONE) return Error{prefix() + "cannot write: " + (*lease)->error()};
        if (sqlite3_changes((*lease)->db()) == 0) return Error{"there is no device '" + id + "' (see: devices list)"};
        return {};
    });
}

// ---- surveys ----

Status SqliteStorage::publishSurvey(const PublishedSurvey& survey, const std::string& unitId) {
    return guarded(prefix(), [&]() -> Status {
        auto lease = acquire();
        if (!lease) return lease.error();
        SqliteConnection& db = **lease;
        const auto fail = [&] { return Error{prefix() + "cannot publish: " + db.error()}; };
        const std::lock_guard writer(m_writeMutex);
        Transaction transaction(db);
        if (!transaction.beginWrite()) return fail();
        if (unitId != kAllUnits) {
            auto unit = db.query("SELECT 1 FROM units WHERE id = ?1");
            if (!unit.ok()) return fail();
            unit.text(1, unitId);
            const int rc = unit.step();
            if (rc == SQLITE_DONE) return Error{"there is no unit '" + unitId + "' (add it with: units add " + unitId + " --name NAME)"};
            if (rc != SQLITE_ROW) return fail();
        }
        {
            auto existing = db.query("SELECT definition_sha256 FROM surveys WHERE survey_id = ?1 AND version = ?2");
            if (!existing.ok()) return fail();
            existing.text(1, survey.surveyId).text(2, survey.version);
            const int rc = existing.step();
            if (rc == SQLITE_ROW && existing.textAt(0) != survey.definitionSha256) {
                return Error{"survey " + survey.surveyId + " " + survey.version +
                             " is already published with another definition; a published version never changes "
                             "(responses carry its hashes): give the survey a new surveyVersion"};
            }
            if (rc != SQLITE_ROW && rc != SQLITE_DONE) return fail();
            if (rc == SQLITE_DONE) {
                auto insert = db.query("INSERT INTO surveys (survey_id, version, definition, definition_sha256, consent_sha256) "
                                       "VALUES (?1, ?2, ?3, ?4, ?5)");
                if (!insert.ok()) return fail();
                insert.text(1, survey.surveyId).text(2, survey.version).text(3, survey.definition);
                insert.text(4, survey.definitionSha256).text(5, survey.consentSha256);
                if (insert.step() != SQLITE_DONE) return fail();
            }
        }
        auto assign = db.query("INSERT OR REPLACE INTO survey_units (survey_id, version, unit_id, published_seq) "
                               "VALUES (?1, ?2, ?3, (SELECT coalesce(max(published_seq), 0) + 1 FROM survey_units))");
        if (!assign.ok()) return fail();
        assign.text(1, survey.surveyId).text(2, survey.version).text(3, unitId);
        if (assign.step() != SQLITE_DONE || !transaction.commit()) return fail();
        return {};
    });
}

Result<std::vector<PublishedSurvey>> SqliteStorage::surveys() {
    return guarded(prefix(), [&]() -> Result<std::vector<PublishedSurvey>> {
        auto lease = acquire();
        if (!lease) return lease.error();
        auto query = (*lease)->query(
            "SELECT s.survey_id, s.version, s.definition_sha256, s.consent_sha256, a.unit_id "
            "FROM surveys s JOIN survey_units a ON a.survey_id = s.survey_id AND a.version = s.version "
            "ORDER BY (SELECT min(published_seq) FROM survey_units f WHERE f.survey_id = s.survey_id AND f.version = s.version), "
            "a.published_seq");
        if (!query.ok()) return Error{prefix() + "cannot read: " + (*lease)->error()};
        std::vector<PublishedSurvey> surveys;
        int rc = SQLITE_ROW;
        while ((rc = query.step()) == SQLITE_ROW) {
            if (surveys.empty() || surveys.back().surveyId != query.textAt(0) || surveys.back().version != query.textAt(1)) {
                surveys.push_back({query.textAt(0), query.textAt(1), "", query.textAt(2), query.textAt(3), {}});
            }
            surveys.back().units.push_back(query.textAt(4));
        }
        if (rc != SQLITE_DONE) return Error{prefix() + "cannot read: " + (*lease)->error()};
        return surveys;
    });
}

Result<std::optional<PublishedSurvey>> SqliteStorage::currentSurvey(const std::string& unitId) {
    return guarded(prefix(), [&]() -> Result<std::optional<PublishedSurvey>> {
        auto lease = acquire();
        if (!lease) return lease.error();
        auto query = (*lease)->query(
            "SELECT s.survey_id, s.version, s.definition, s.definition_sha256, s.consent_sha256, a.unit_id "
            "FROM survey_units a JOIN surveys s ON s.survey_id = a.survey_id AND s.version = a.version "
            "WHERE a.unit_id IN (?1, '*') ORDER BY a.published_seq DESC LIMIT 1");
        if (!query.ok()) return Error{prefix() + "cannot read: " + (*lease)->error()};
        query.text(1, unitId);
        switch (query.step()) {
            case SQLITE_ROW:
                return std::optional<PublishedSurvey>(PublishedSurvey{query.textAt(0), query.textAt(1), query.textAt(2),
                                                                      query.textAt(3), query.textAt(4), {query.textAt(5)}});
            case SQLITE_DONE: return std::optional<PublishedSurvey>();
            default: return Error{prefix() + "cannot read: " + (*lease)->error()};
        }
    });
}

Result<std::optional<PublishedSurvey>> SqliteStorage::findSurvey(const std::string& surveyId, const std::string& version,
                                                                 const std::string& unitId) {
    return guarded(prefix(), [&]() -> Result<std::optional<PublishedSurvey>> {
        auto lease = acquire();
        if (!lease) return lease.error();
        auto query = (*lease)->query(
            "SELECT s.definition_sha256, s.consent_sha256, "
            "(SELECT a.unit_id FROM survey_units a WHERE a.survey_id = s.survey_id AND a.version = s.version "
            " AND a.unit_id IN (?3, '*') LIMIT 1) "
            "FROM surveys s WHERE s.survey_id = ?1 AND s.version = ?2");
        if (!query.ok()) return Error{prefix() + "cannot read: " + (*lease)->error()};
        query.text(1, surveyId).text(2, version).text(3, unitId);
        switch (query.step()) {
            case SQLITE_ROW: {
                PublishedSurvey survey{surveyId, version, "", query.textAt(0), query.textAt(1), {}};
                if (!query.isNull(2)) survey.units.push_back(query.textAt(2));
                return std::optional<PublishedSurvey>(std::move(survey));
            }
            case SQLITE_DONE: return std::optional<PublishedSurvey>();
            default: return Error{prefix() + "cannot read: " + (*lease)->error()};
        }
    });
}

Result<std::optional<std::string>> SqliteStorage::surveyDefinition(const std::string& surveyId, const std::string& version) {
    return guarded(prefix(), [&]() -> Result<std::optional<std::string>> {
        auto lease = acquire();
        if (!lease) return lease.error();
        auto query = (*lease)->query("SELECT definition FROM surveys WHERE survey_id = ?1 AND version = ?2");
        if (!query.ok()) return Error{prefix() + "cannot read: " + (*lease)->error()};
        query.text(1, surveyId).text(2, version);
        switch (query.step()) {
            case SQLITE_ROW: return std::optional<std::string>(query.textAt(0));
            case SQLITE_DONE: return std::optional<std::string>();
            default: return Error{prefix() + "cannot read: " + (*lease)->error()};
        }
    });
}

// ---- responses ----

namespace {
// Throws on a read failure (guarded() turns it into the batch's error): a copy must never slip through.
bool isStoredUnderAnotherId(Query& sameBytes, const std::string& sealedSha256) {
    sameBytes.text(1, sealedSha256);
    const int rc = sameBytes.step();
    sameBytes.reset();
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) throw std::runtime_error("cannot look up a sealed digest");
    return rc == SQLITE_ROW;
}
}  // namespace

Result<std::vector<shared::BatchResult>> SqliteStorage::storeItems(std::span<const IncomingItem> items, const std::string& receivedWeek) {
    return guarded(prefix(), [&]() -> Result<std::vector<shared::BatchResult>> {
        auto lease = acquire();
        if (!lease) return lease.error();
        SqliteConnection& db = **lease;
        const auto fail = [&] { return Error{prefix() + "cannot store the batch: " + db.error()}; };
        const std::lock_guard writer(m_writeMutex);
        Transaction transaction(db);
        if (!transaction.beginWrite()) return fail();

        auto existing = db.query("SELECT sealed_sha256 FROM responses WHERE id = ?1");
        auto sameBytes = db.query("SELECT 1 FROM responses WHERE sealed_sha256 = ?1");
        auto insert = db.query("INSERT INTO responses (id, unit_id, survey_id, survey_version, period, locale, answers, sealed_sha256) "
                               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
        auto dead = db.query("INSERT OR IGNORE INTO dead_letters (id, sealed_sha256, sealed, reason, received_week, device_id) "
                             "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
        auto deadBytes = db.query("SELECT total(length(CAST(sealed AS BLOB))) FROM dead_letters WHERE device_id = ?1");
        auto tally = db.query(kAddTally);
        if (!existing.ok() || !sameBytes.ok() || !insert.ok() || !dead.ok() || !deadBytes.ok() || !tally.ok()) return fail();
        // Per kiosk, the bytes its dead letters hold, read once per transaction and counted on from there.
        std::map<std::string, std::int64_t> kept;
        const auto roomFor = [&](const IncomingItem& item) -> bool {
            if (item.deviceId.empty()) return true;  // an import: the operator's own file
            auto found = kept.find(item.deviceId);
            if (found == kept.end()) {
                deadBytes.text(1, item.deviceId);
                if (deadBytes.step() != SQLITE_ROW) throw std::runtime_error("cannot read the dead letters' size");
                found = kept.emplace(item.deviceId, static_cast<std::int64_t>(sqlite3_column_double(deadBytes.statement(), 0))).first;
                deadBytes.reset();
            }
            if (found->second >= kDeadLetterBytesPerDevice) return false;
            found->second += static_cast<std::int64_t>(item.sealed.size());
            return true;
        };

        TallySums tallies;
        std::vector<shared::BatchResult> results;
        results.reserve(items.size());
        for (const IncomingItem& item : items) {
            shared::BatchResult result{item.id, shared::ItemStatus::Rejected, ""};
            existing.text(1, item.id);
            const int rc = existing.step();
            if (rc == SQLITE_ROW) {
                if (existing.textAt(0) == item.sealedSha256) result.status = shared::ItemStatus::Duplicate;
                else result.error = "response " + item.id + " is already stored with a different sealed payload; the stored one is kept";
            } else if (rc != SQLITE_DONE) {
                return fail();
            } else if (item.response && isStoredUnderAnotherId(sameBytes, item.sealedSha256)) {
                // A copy of someone's sealed response under a new id would count them twice (PROTOCOL.md).
                result.error = "the same sealed response is already stored under another id; a copy is not another respondent";
            } else if (item.response) {
                const StoredResponse& r = *item.response;
                insert.text(1, r.id).text(2, r.unitId).text(3, r.surveyId).text(4, r.surveyVersion);
                insert.text(5, r.period).text(6, r.locale).text(7, r.answersJson).text(8, item.sealedSha256);
                if (!insert.run()) return fail();
                tallies.add(r, item.tallies);
                result.status = shared::ItemStatus::Accepted;
            } else {
                result.error = item.rejection;
            }
            existing.reset();
            if (result.status == shared::ItemStatus::Rejected) {
                if (roomFor(item)) {
                    dead.text(1, item.id).text(2, item.sealedSha256).text(3, item.sealed).text(4, result.error).text(5, receivedWeek);
                    dead.text(6, item.deviceId);
                    if (!dead.run()) return fail();
                } else {
                    result.error += kDeadLetterNotKept;
                }
            }
            results.push_back(std::move(result));
        }
        if (!tallies.write(tally) || !transaction.commit()) return fail();
        return results;
    });
}

Status SqliteStorage::forEachResponse(const std::function<bool(const StoredResponse&)>& visit) {
    return guarded(prefix(), [&]() -> Status {
        auto lease = acquire();
        if (!lease) return lease.error();
        SqliteConnection& db = **lease;
        Transaction snapshot(db);
        if (!snapshot.beginRead()) return Error{prefix() + "cannot read: " + db.error()};
        auto query = db.query("SELECT id, unit_id, survey_id, survey_version, period, locale, answers, round_id FROM responses ORDER BY id");
        if (!query.ok()) return Error{prefix() + "cannot read: " + db.error()};
        int rc = SQLITE_ROW;
        while ((rc = query.step()) == SQLITE_ROW) {
            const StoredResponse response{query.textAt(0), query.textAt(1), query.textAt(2), query.textAt(3),
                                          query.textAt(4), query.textAt(5), query.textAt(6), query.textAt(7)};
            if (!visit(response)) return {};
        }
        if (rc != SQLITE_DONE) return Error{prefix() + "cannot read: " + db.error()};
        return {};
    });
}

// Table order (the primary key) reads the file front to back: an export of a million rows in ORDER BY id
// would instead visit the table once per row through the id index.
Status SqliteStorage::forEachResponseOf(const ResponseFilter& filter, const std::function<bool(const StoredResponse&)>& visit) {
    return guarded(prefix(), [&]() -> Status {
        auto lease = acquire();
        if (!lease) return lease.error();
        SqliteConnection& db = **lease;
        Transaction snapshot(db);
        if (!snapshot.beginRead()) return Error{prefix() + "cannot read: " + db.error()};
        // A round's responses too are read in table order, front to back (export.cpp puts them in id order
        // itself: reading through responses_by_round by id costs a table lookup a row). The unary + keeps
        // SQLite from choosing that index (and a sort) for the round.
        auto query = filter.round.empty()
                         ? db.query("SELECT id, unit_id, survey_id, survey_version, period, locale, answers, round_id FROM responses "
                                    "WHERE (?1 = '' OR survey_id = ?1) AND (?2 = '' OR survey_version = ?2) "
                                    "ORDER BY unit_id, survey_id, survey_version, period, id")
                         : db.query("SELECT id, unit_id, survey_id, survey_version, period, locale, answers, round_id FROM responses "
                                    "WHERE +round_id = ?3 AND (?1 = '' OR survey_id = ?1) AND (?2 = '' OR survey_version = ?2) "
                                    "ORDER BY unit_id, survey_id, survey_version, period, id");
        if (!query.ok()) return Error{prefix() + "cannot read: " + db.error()};
        query.text(1, filter.surveyId).text(2, filter.surveyId.empty() ? std::string_view() : std::string_view(filter.version));
        if (!filter.round.empty()) query.text(3, filter.round);
        StoredResponse response;
        int rc = SQLITE_ROW;
        while ((rc = query.step()) == SQLITE_ROW) {
            query.textInto(0, response.id);
            query.textInto(1, response.unitId);
            query.textInto(2, response.surveyId);
            query.textInto(3, response.surveyVersion);
            query.textInto(4, response.period);
            query.textInto(5, response.locale);
            query.textInto(6, response.answersJson);
            query.textInto(7, response.round);
            if (!visit(response)) return {};
        }
        if (rc != SQLITE_DONE) return Error{prefix() + "cannot read: " + db.error()};
        return {};
    });
}

Result<std::int64_t> SqliteStorage::countResponses(const ResponseFilter& filter) {
    return guarded(prefix(), [&]() -> Result<std::int64_t> {
        auto lease = acquire();
        if (!lease) return lease.error();
        auto query = (*lease)->query("SELECT count(*) FROM responses WHERE (?3 = '' OR round_id = ?3) "
                                     "AND (?1 = '' OR survey_id = ?1) AND (?2 = '' OR survey_version = ?2)");
        if (!query.ok()) return Error{prefix() + "cannot read: " + (*lease)->error()};
        query.text(1, filter.surveyId).text(2, filter.surveyId.empty() ? std::string_view() : std::string_view(filter.version));
        query.text(3, filter.round);
        if (query.step() != SQLITE_ROW) return Error{prefix() + "cannot read: " + (*lease)->error()};
        return query.integerAt(0);
    });
}

Result<std::int64_t> SqliteStorage::responseCount() {
    return guarded(prefix(), [&]() -> Result<std::int64_t> {
        auto lease = acquire();
        if (!lease) return lease.error();
        auto query = (*lease)->query("SELECT count(*) FROM responses");
        if (!query.ok() || query.step() != SQLITE_ROW) return Error{prefix() + "cannot read: " + (*lease)->error()};
        return query.integerAt(0);
    });
}

Result<std::vector<DeadLetter>> SqliteStorage::deadLetters() {
    return guarded(prefix(), [&]() -> Result<std::vector<DeadLetter>> {
        auto lease = acquire();
        if (!lease) return lease.error();
        auto query = (*lease)->query("SELECT id, sealed, reason, received_week FROM dead_letters ORDER BY received_week, id");
        if (!query.ok()) return Error{prefix() + "cannot read: " + (*lease)->error()};
        std::vector<DeadLetter> letters;
        int rc = SQLITE_ROW;
        while ((rc = query.step()) == SQLITE_ROW) {
            letters.push_back({query.textAt(0), query.textAt(1), query.textAt(2), query.textAt(3)});
        }
        if (rc != SQLITE_DONE) return Error{prefix() + "cannot read: " + (*lease)->error()};
        return letters;
    });
}

// ---- tallies ----

Status SqliteStorage::aggregateTallies(const TallyQuery& request, const std::function<void(const TallyRow&)>& visit) {
    return guarded(prefix(), [&]() -> Status {
        auto lease = acquire();
        if (!lease) return lease.error();
        SqliteConnection& db = **lease;
        Transaction snapshot(db);
        if (!snapshot.beginRead()) return Error{prefix() + "cannot read: " + db.error()};
        // A round's weeks sort after its kWholeRound rows ("*" < "2026-W05").
        auto query = request.byPeriod
                         ? db.query("SELECT unit_id, period, subject, value, count, sum FROM round_tallies "
                                    "WHERE round_id = ?1 AND survey_id = ?2 AND survey_version = ?3 AND kind = ?4 AND period > ?5 "
                                    "AND (?6 IS NULL OR unit_id = ?6) ORDER BY unit_id, period, subject, value")
                         : db.query("SELECT unit_id, '', subject, value, count, sum FROM round_tallies "
                                    "WHERE round_id = ?1 AND survey_id = ?2 AND survey_version = ?3 AND kind = ?4 AND period = ?5 "
                                    "AND (?6 IS NULL OR unit_id = ?6) ORDER BY unit_id, subject, value");
        if (!query.ok()) return Error{prefix() + "cannot read: " + db.error()};
        const auto run = [&](const std::string* unit) -> Status {
            query.reset();
            query.text(1, request.round).text(2, request.surveyId).text(3, request.version).text(4, request.kind).text(5, kWholeRound);
            if (unit != nullptr) query.text(6, *unit);
            else query.null(6);
            int rc = SQLITE_ROW;
            while ((rc = query.step()) == SQLITE_ROW) {
                visit(TallyRow{query.textAt(0), query.textAt(1), query.textAt(2), query.textAt(3), query.integerAt(4),
                               sqlite3_column_double(query.statement(), 5)});
            }
            if (rc != SQLITE_DONE) return Error{prefix() + "cannot read: " + db.error()};
            return {};
        };
        if (request.units.empty()) return run(nullptr);
        for (const auto& unit : request.units) {
            if (Status status = run(&unit); !status) return status;
        }
        return {};
    });
}

// ---- reporting rounds ----

Status SqliteStorage::addRound(const Round& round) {
    return guarded(prefix(), [&]() -> Status {
        auto lease = acquire();
        if (!lease) return lease.error();
        SqliteConnection& db = **lease;
        const auto fail = [&] { return Error{prefix() + "cannot write: " + db.error()}; };
        const std::lock_guard writer(m_writeMutex);
        Transaction transaction(db);
        if (!transaction.beginWrite()) return fail();
        auto clash = db.query("SELECT id, from_week, to_week FROM rounds WHERE id = ?1 OR (from_week <= ?3 AND to_week >= ?2)");
        if (!clash.ok()) return fail();
        clash.text(1, round.id).text(2, round.fromWeek).text(3, round.toWeek);
        if (const int rc = clash.step(); rc == SQLITE_ROW) {
            if (clash.textAt(0) == round.id) return Error{"a round '" + round.id + "' exists already"};
            return Error{"round '" + round.id + "' (" + round.fromWeek + " to " + round.toWeek + ") overlaps round '" + clash.textAt(0) +
                         "' (" + clash.textAt(1) + " to " + clash.textAt(2) + "): a week belongs to one round only"};
        } else if (rc != SQLITE_DONE) {
            return fail();
        }
        auto insert = db.query("INSERT INTO rounds (id, from_week, to_week) VALUES (?1, ?2, ?3)");
        if (!insert.ok()) return fail();
        insert.text(1, round.id).text(2, round.fromWeek).text(3, round.toWeek);
        if (!insert.run() || !transaction.commit()) return fail();
        return {};
    });
}

Result<std::vector<Round>> SqliteStorage::rounds() {
    return guarded(prefix(), [&]() -> Result<std::vector<Round>> {
        auto lease = acquire();
        if (!lease) return lease.error();
        auto query = (*lease)->query("SELECT id, from_week, to_week, released_on, k FROM rounds ORDER BY from_week");
        if (!query.ok()) return Error{prefix() + "cannot read: " + (*lease)->error()};
        std::vector<Round> list;
        int rc = SQLITE_ROW;
        while ((rc = query.step()) == SQLITE_ROW) {
            list.push_back({query.textAt(0), query.textAt(1), query.textAt(2), query.textAt(3), static_cast<int>(query.integerAt(4))});
        }
        if (rc != SQLITE_DONE) return Error{prefix() + "cannot read: " + (*lease)->error()};
        return list;
    });
}

Result<int> SqliteStorage::groupSize() {
    return guarded(prefix(), [&]() -> Result<int> {
        auto lease = acquire();
        if (!lease) return lease.error();
        auto query = (*lease)->query("SELECT CAST(value AS INTEGER) FROM settings WHERE key = 'group_size'");
        if (!query.ok()) return Error{prefix() + "cannot read: " + (*lease)->error()};
        const int rc = query.step();
        if (rc == SQLITE_DONE) return kMinimumGroupSize;
        if (rc != SQLITE_ROW) return Error{prefix() + "cannot read: " + (*lease)->error()};
        return static_cast<int>(query.integerAt(0));
    });
}

Status SqliteStorage::setGroupSize(int k) {
    if (k < kMinimumGroupSize) return Error{"the group size cannot be below " + std::to_string(kMinimumGroupSize) + ", what the consent text promises"};
    return guarded(prefix(), [&]() -> Status {
        auto lease = acquire();
        if (!lease) return lease.error();
        const std::lock_guard writer(m_writeMutex);
        auto query = (*lease)->query("INSERT INTO settings (key, value) VALUES ('group_size', ?1) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
        if (!query.ok()) return Error{prefix() + "cannot write: " + (*lease)->error()};
        const std::string value = std::to_string(k);  // bound without a copy: it must outlive the step
        query.text(1, value);
        if (!query.run()) return Error{prefix() + "cannot write: " + (*lease)->error()};
        return {};
    });
}

Result<std::int64_t> SqliteStorage::releaseRound(const std::string& id, const std::string& today) {
    return guarded(prefix(), [&]() -> Result<std::int64_t> {
        auto lease = acquire();
        if (!lease) return lease.error();
        SqliteConnection& db = **lease;
        const auto fail = [&] { return Error{prefix() + "cannot release round '" + id + "': " + db.error()}; };
        const std::lock_guard writer(m_writeMutex);
        Transaction transaction(db);
        if (!transaction.beginWrite()) return fail();
        auto find = db.query("SELECT from_week, to_week, released_on FROM rounds WHERE id = ?1");
        if (!find.ok()) return fail();
        find.text(1, id);
        const int rc = find.step();
        if (rc == SQLITE_DONE) return Error{"no round '" + id + "'"};
        if (rc != SQLITE_ROW) return fail();
        const std::string from = find.textAt(0);
        const std::string to = find.textAt(1);
        if (!find.textAt(2).empty()) return Error{"round '" + id + "' was released on " + find.textAt(2) + " and never changes"};
        find.reset();
        // The responses, their tallies and the units' groups, all from this one transaction's view.
        auto mark = db.query("UPDATE responses SET round_id = ?1 WHERE round_id = '' AND period BETWEEN ?2 AND ?3");
        auto weeks = db.query("INSERT INTO round_tallies (round_id, survey_id, survey_version, kind, period, unit_id, subject, value, count, sum) "
                              "SELECT ?1, survey_id, survey_version, kind, period, unit_id, subject, value, count, sum FROM tallies "
                              "WHERE kind = 'n' AND period BETWEEN ?2 AND ?3");
        auto whole = db.query("INSERT INTO round_tallies (round_id, survey_id, survey_version, kind, period, unit_id, subject, value, count, sum) "
                              "SELECT ?1, survey_id, survey_version, kind, '*', unit_id, subject, value, sum(count), sum(sum) FROM tallies "
                              "WHERE period BETWEEN ?2 AND ?3 GROUP BY survey_id, survey_version, kind, unit_id, subject, value");
        auto units = db.query("INSERT INTO round_units (round_id, unit_id, group_name) SELECT ?1, id, group_name FROM units");
        auto stamp = db.query("UPDATE rounds SET released_on = ?2, k = max(?3, coalesce((SELECT CAST(value AS INTEGER) FROM settings "
                              "WHERE key = 'group_size'), ?3)) WHERE id = ?1");
        if (!mark.ok() || !weeks.ok() || !whole.ok() || !units.ok() || !stamp.ok()) return fail();
        mark.text(1, id).text(2, from).text(3, to);
        if (!mark.run()) return fail();
        const std::int64_t frozen = sqlite3_changes64(db.db());
        for (Query* copy : {&weeks, &whole}) {
            copy->text(1, id).text(2, from).text(3, to);
            if (!copy->run()) return fail();
        }
        units.text(1, id);
        stamp.text(1, id).text(2, today).integer(3, kMinimumGroupSize);
        if (!units.run() || !stamp.run() || !transaction.commit()) return fail();
        return frozen;
    });
}

Result<std::vector<RoundUnit>> SqliteStorage::roundUnits(const std::string& id) {
    return guarded(prefix(), [&]() -> Result<std::vector<RoundUnit>> {
        auto lease = acquire();
        if (!lease) return lease.error();
        auto query = (*lease)->query("SELECT unit_id, group_name FROM round_units WHERE round_id = ?1 ORDER BY unit_id");
        if (!query.ok()) return Error{prefix() + "cannot read: " + (*lease)->error()};
        query.text(1, id);
        std::vector<RoundUnit> list;
        int rc = SQLITE_ROW;
        while ((rc = query.step()) == SQLITE_ROW) list.push_back({query.textAt(0), query.textAt(1)});
        if (rc != SQLITE_DONE) return Error{prefix() + "cannot read: " + (*lease)->error()};
        return list;
    });
}

// ---- retention ----

Result<std::vector<std::string>> SqliteStorage::deleteBefore(const std::string& oldestKeptWeek) {
    return guarded(prefix(), [&]() -> Result<std::vector<std::string>> {
        auto lease = acquire();
        if (!lease) return lease.error();
        SqliteConnection& db = **lease;
        const auto fail = [&] { return Error{prefix() + "cannot delete what is past its retention: " + db.error()}; };
        const std::lock_guard writer(m_writeMutex);
        Transaction transaction(db);
        if (!transaction.beginWrite()) return fail();
        std::vector<std::string> rounds;
        {
            auto expired = db.query("SELECT id FROM rounds WHERE from_week < ?1 ORDER BY from_week");
            if (!expired.ok()) return fail();
            expired.text(1, oldestKeptWeek);
            int rc = SQLITE_ROW;
            while ((rc = expired.step()) == SQLITE_ROW) rounds.push_back(expired.textAt(0));
            if (rc != SQLITE_DONE) return fail();
        }
        for (const auto& round : rounds) {
            for (const char* sql : {"DELETE FROM responses WHERE round_id = ?1", "DELETE FROM round_tallies WHERE round_id = ?1",
                                    "DELETE FROM round_units WHERE round_id = ?1", "DELETE FROM rounds WHERE id = ?1"}) {
                auto query = db.query(sql);
                if (!query.ok()) return fail();
                query.text(1, round);
                if (!query.run()) return fail();
            }
        }
        for (const char* sql : {"DELETE FROM responses WHERE round_id = '' AND period < ?1", "DELETE FROM tallies WHERE period < ?1",
                                "DELETE FROM dead_letters WHERE received_week < ?1"}) {
            auto query = db.query(sql);
            if (!query.ok()) return fail();
            query.text(1, oldestKeptWeek);
            if (!query.run()) return fail();
        }
        if (!transaction.commit()) return fail();
        return rounds;
    });
}

// ---- audit ----

Status SqliteStorage::addAudit(const AuditEntry& entry) {
    return guarded(prefix(), [&]() -> Status {
        auto lease = acquire();
        if (!lease) return lease.error();
        const std::lock_guard writer(m_writeMutex);
        auto query = (*lease)->query("INSERT INTO audit (at, user_name, action, detail, rows) VALUES (?1, ?2, ?3, ?4, ?5)");
        if (!query.ok()) return Error{prefix() + "cannot write the audit log: " + (*lease)->error()};
        query.text(1, entry.at).text(2, entry.userName).text(3, entry.action).text(4, entry.detail).integer(5, entry.rows);
        if (!query.run()) return Error{prefix() + "cannot write the audit log: " + (*lease)->error()};
        return {};
    });
}

Result<std::vector<AuditEntry>> SqliteStorage::audit(std::size_t limit) {
    return guarded(prefix(), [&]() -> Result<std::vector<AuditEntry>> {
        auto lease = acquire();
        if (!lease) return lease.error();
        auto query = (*lease)->query("SELECT at, user_name, action, detail, rows FROM audit ORDER BY seq DESC LIMIT ?1");
        if (!query.ok()) return Error{prefix() + "cannot read the audit log: " + (*lease)->error()};
        query.integer(1, static_cast<std::int64_t>(limit));
        std::vector<AuditEntry> list;
        int rc = SQLITE_ROW;
        while ((rc = query.step()) == SQLITE_ROW) {
            list.push_back({query.textAt(0), query.textAt(1), query.textAt(2), query.textAt(3), query.integerAt(4)});
        }
        if (rc != SQLITE_DONE) return Error{prefix() + "cannot read the audit log: " + (*lease)->error()};
        return list;
    });
}

Result<bool> SqliteStorage::talliesStale() {
    return guarded(prefix(), [&]() -> Result<bool> {
        auto lease = acquire();
        if (!lease) return lease.error();
        auto query = (*lease)->query("SELECT count(*) FROM settings WHERE key = 'tallies_stale'");
        if (!query.ok() || query.step() != SQLITE_ROW) return Error{prefix() + "cannot read: " + (*lease)->error()};
        return query.integerAt(0) > 0;
    });
}

Status SqliteStorage::rebuildTallies(const std::function<Result<std::vector<Tally>>(const StoredResponse&)>& compute) {
    return guarded(prefix(), [&]() -> Status {
        auto lease = acquire();
        if (!lease) return lease.error();
        SqliteConnection& db = **lease;
        const auto fail = [&] { return Error{prefix() + "cannot rebuild the report tallies: " + db.error()}; };
        const std::lock_guard writer(m_writeMutex);
        Transaction transaction(db);
        if (!transaction.beginWrite()) return fail();
        if (!db.exec("DELETE FROM tallies")) return fail();
        auto tally = db.query(kAddTally);
        auto responses = db.query("SELECT id, unit_id, survey_id, survey_version, period, locale, answers FROM responses");
        if (!tally.ok() || !responses.ok()) return fail();
        constexpr std::size_t kMaxSums = 200'000;  // written out when this many keys are held: memory stays bounded
        TallySums sums;
        int rc = SQLITE_ROW;
        while ((rc = responses.step()) == SQLITE_ROW) {
            const StoredResponse response{responses.textAt(0), responses.textAt(1), responses.textAt(2), responses.textAt(3),
                                          responses.textAt(4), responses.textAt(5), responses.textAt(6), ""};
            auto tallies = compute(response);
            if (!tallies) return tallies.error();
            sums.add(response, *tallies);
            if (sums.size() >= kMaxSums && !sums.write(tally)) return fail();
        }
        if (rc != SQLITE_DONE || !sums.write(tally)) return fail();
        if (!db.exec("DELETE FROM settings WHERE key = 'tallies_stale'") || !transaction.commit()) return fail();
        return {};
    });
}

Result<std::string> SqliteStorage::integrityCheck() {
    return guarded(prefix(), [&]() -> Result<std::string> {
        auto lease = acquire();
        if (!lease) return lease.error();
        auto query = (*lease)->query("PRAGMA integrity_check");
        if (!query.ok()) return Error{prefix() + "cannot check integrity: " + (*lease)->error()};
        std::string report;
        int rc = SQLITE_ROW;
        while ((rc = query.step()) == SQLITE_ROW) {
            if (!report.empty()) report += '\n';
            report += query.textAt(0);
        }
        if (rc != SQLITE_DONE) return Error{prefix() + "cannot check integrity: " + (*lease)->error()};
        return report;
    });
}

// ---- dashboard accounts and sessions ----

namespace {

std::vector<std::string> scopeFrom(const std::string& text) {
    std::vector<std::string> scope;
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t end = std::min(text.find('\n', start), text.size());
        if (end > start) scope.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return scope;
}

std::string scopeText(const std::vector<std::string>& scope) {
    std::string text;
    for (const auto& entry : scope) text += (text.empty() ? "" : "\n") + entry;
    return text;
}

UserAccount userFrom(const Query& row) {
    return UserAccount{row.textAt(0), row.textAt(1), row.textAt(2), row.integerAt(3), row.integerAt(4), row.textAt(5), scopeFrom(row.textAt(6))};
}

}  // namespace

Result<std::int64_t> SqliteStorage::deadLetterCount() {
    return guarded(prefix(), [&]() -> Result<std::int64_t> {
        auto lease = acquire();
        if (!lease) return lease.error();
        auto query = (*lease)->query("SELECT count(*) FROM dead_letters");
        if (!query.ok() || query.step() != SQLITE_ROW) return Error{prefix() + "cannot read: " + (*lease)->error()};
        return query.integerAt(0);
    });
}

Status SqliteStorage::addUser(const UserAccount& user) {
    return guarded(prefix(), [&]() -> Status {
        auto lease = acquire();
        if (!lease) return lease.error();
        const std::lock_guard writer(m_writeMutex);
        auto query = (*lease)->query(
            "INSERT INTO users (name, password_hash, created_on, failed_logins, locked_until, role, scope) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
        if (!query.ok()) return Error{prefix() + "cannot write: " + (*lease)->error()};
        const std::string scope = scopeText(user.scope);
        query.text(1, user.name).text(2, user.passwordHash).text(3, user.createdOn).integer(4, user.failedLogins).integer(5, user.lockedUntil);
        query.text(6, user.role).text(7, scope);
        if (query.step() != SQLITE_DONE) {
            if ((sqlite3_extended_errcode((*lease)->db()) & 0xff) == SQLITE_CONSTRAINT) return Error{"user '" + user.name + "' already exists"};
            return Error{prefix() + "cannot write: " + (*lease)->error()};
        }
        return {};
    });
}

Result<std::vector<UserAccount>> SqliteStorage::users() {
    return guarded(prefix(), [&]() -> Result<std::vector<UserAccount>> {
        auto lease = acquire();
        if (!lease) return lease.error();
        auto query = (*lease)->query("SELECT name, password_hash, created_on, failed_logins, locked_until, role, scope FROM users ORDER BY name");
        if (!query.ok()) return Error{prefix() + "cannot read: " + (*lease)->error()};
        std::vector<UserAccount> users;
        int rc = SQLITE_ROW;
        while ((rc = query.step()) == SQLITE_ROW) users.push_back(userFrom(query));
        if (rc != SQLITE_DONE) return Error{prefix() + "cannot read: " + (*lease)->error()};
        return users;
    });
}

Result<std::optional<UserAccount>> SqliteStorage::findUser(const std::string& name) {
    return guarded(prefix(), [&]() -> Result<std::optional<UserAccount>> {
        auto lease = acquire();
        if (!lease) return lease.error();
        auto query = (*lease)->query("SELECT name, password_hash, created_on, failed_logins, locked_until, role, scope FROM users WHERE name = ?1");
        if (!query.ok()) return Error{prefix() + "cannot read: " + (*lease)->error()};
        query.text(1, name);
        switch (query.step()) {
            case SQLITE_ROW: return std::optional<UserAccount>(userFrom(query));
            case SQLITE_DONE: return std::optional<UserAccount>();
            default: return Error{prefix() + "cannot read: " + (*lease)->error()};
        }
    });
}

Status SqliteStorage::setUserRole(const std::string& name, const std::string& role, const std::vector<std::string>& scope) {
    return guarded(prefix(), [&]() -> Status {
        auto lease = acquire();
        if (!lease) return lease.error();
        const std::lock_guard writer(m_writeMutex);
        auto query = (*lease)->query("UPDATE users SET role = ?2, scope = ?3 WHERE name = ?1");
        if (!query.ok()) return Error{prefix() + "cannot write: " + (*lease)->error()};
        const std::string text = scopeText(scope);
        query.text(1, name).text(2, role).text(3, text);
        if (!query.run()) return Error{prefix() + "cannot write: " + (*lease)->error()};
        if (sqlite3_changes((*lease)->db()) == 0) return Error{"no user '" + name + "'"};
        return {};
    });
}

Status SqliteStorage::removeUser(const std::string& name) {
    return guarded(prefix(), [&]() -> Status {
        auto lease = acquire();
        if (!lease) return lease.error();
        const std::lock_guard writer(m_writeMutex);
        auto query = (*lease)->query("DELETE FROM users WHERE name = ?1");
        if (!query.ok()) return Error{prefix() + "cannot write: " + (*lease)->error()};
        query.text(1, name);
        if (query.step() != SQLITE_DONE) return Error{prefix() + "cannot write: " + (*lease)->error()};
        if (sqlite3_changes((*lease)->db()) == 0) return Error{"there is no user '" + name + "' (see: users list)"};
        return {};
    });
}

Result<std::optional<UserAccount>> SqliteStorage::recordLoginFailure(const std::string& name, int maxFailures, std::int64_t lockUntil) {
    return guarded(prefix(), [&]() -> Result<std::optional<UserAccount>> {
        auto lease = acquire();
        if (!lease) return lease.error();
        SqliteConnection& db = **lease;
        const auto fail = [&] { return Error{prefix() + "cannot write: " + db.error()}; };
        const std::lock_guard writer(m_writeMutex);
        Transaction transaction(db);
        if (!transaction.beginWrite()) return fail();
        {
            auto update = db.query(
                "UPDATE users SET failed_logins = CASE WHEN failed_logins + 1 >= ?2 THEN 0 ELSE failed_logins + 1 END, "
                "locked_until = CASE WHEN failed_logins + 1 >= ?2 THEN ?3 ELSE locked_until END WHERE name = ?1");
            if (!update.ok()) return fail();
            update.text(1, name).integer(2, maxFailures).integer(3, lockUntil);
            if (update.step() != SQLITE_DONE) return fail();
        }
        std::optional<UserAccount> user;
        {
            auto read = db.query("SELECT name, password_hash, created_on, failed_logins, locked_until, role, scope FROM users WHERE name = ?1");
            if (!read.ok()) return fail();
            read.text(1, name);
            const int rc = read.step();
            if (rc == SQLITE_ROW) user = userFrom(read);
            else if (rc != SQLITE_DONE) return fail();
        }
        if (!transaction.commit()) return fail();
        return user;
    });
}

Status SqliteStorage::clearLoginFailures(const std::string& name) {
    return guarded(prefix(), [&]() -> Status {
        auto lease = acquire();
        if (!lease) return lease.error();
        const std::lock_guard writer(m_writeMutex);
        auto query = (*lease)->query("UPDATE users SET failed_logins = 0, locked_until = 0 WHERE name = ?1");
        if (!query.ok()) return Error{prefix() + "cannot write: " + (*lease)->error()};
        query.text(1, name);
        if (query.step() != SQLITE_DONE) return Error{prefix() + "cannot write: " + (*lease)->error()};
        if (sqlite3_changes((*lease)->db()) == 0) return Error{"there is no user '" + name + "' (see: users list)"};
        return {};
    });
}

Status SqliteStorage::addSession(const Session& session) {
    return guarded(prefix(), [&]() -> Status {
        auto lease = acquire();
        if (!lease) return lease.error();
        const std::lock_guard writer(m_writeMutex);
        auto query = (*lease)->query("INSERT INTO sessions (token_sha256, user_name, created_at, last_used_at) VALUES (?1, ?2, ?3, ?4)");
        if (!query.ok()) return Error{prefix() + "cannot write: " + (*lease)->error()};
        query.text(1, session.tokenSha256).text(2, session.userName).integer(3, session.createdAt).integer(4, session.lastUsedAt);
        if (query.step() != SQLITE_DONE) return Error{prefix() + "cannot write: " + (*lease)->error()};
        return {};
    });
}

Result<std::optional<Session>> SqliteStorage::findSession(const std::string& tokenSha256) {
    return guarded(prefix(), [&]() -> Result<std::optional<Session>> {
        auto lease = acquire();
        if (!lease) return lease.error();
        auto query = (*lease)->query("SELECT token_sha256, user_name, created_at, last_used_at FROM sessions WHERE token_sha256 = ?1");
        if (!query.ok()) return Error{prefix() + "cannot read: " + (*lease)->error()};
        query.text(1, tokenSha256);
        switch (query.step()) {
            case SQLITE_ROW:
                return std::optional<Session>(Session{query.textAt(0), query.textAt(1), query.integerAt(2), query.integerAt(3)});
            case SQLITE_DONE: return std::optional<Session>();
            default: return Error{prefix() + "cannot read: " + (*lease)->error()};
        }
    });
}

Status SqliteStorage::touchSession(const std::string& tokenSha256, std::int64_t lastUsedAt) {
    return guarded(prefix(), [&]() -> Status {
        auto lease = acquire();
        if (!lease) return lease.error();
        const std::lock_guard writer(m_writeMutex);
        auto query = (*lease)->query("UPDATE sessions SET last_used_at = max(last_used_at, ?2) WHERE token_sha256 = ?1");
        if (!query.ok()) return Error{prefix() + "cannot write: " + (*lease)->error()};
        query.text(1, tokenSha256).integer(2, lastUsedAt);
        if (query.step() != SQLITE_DONE) return Error{prefix() + "cannot write: " + (*lease)->error()};
        return {};
    });
}

Status SqliteStorage::removeSession(const std::string& tokenSha256) {
    return guarded(prefix(), [&]() -> Status {
        auto lease = acquire();
        if (!lease) return lease.error();
        const std::lock_guard writer(m_writeMutex);
        auto query = (*lease)->query("DELETE FROM sessions WHERE token_sha256 = ?1");
        if (!query.ok()) return Error{prefix() + "cannot write: " + (*lease)->error()};
        query.text(1, tokenSha256);
        if (query.step() != SQLITE_DONE) return Error{prefix() + "cannot write: " + (*lease)->error()};
        return {};
    });
}

Status SqliteStorage::removeExpiredSessions(std::int64_t createdBefore, std::int64_t usedBefore) {
    return guarded(prefix(), [&]() -> Status {
        auto lease = acquire();
        if (!lease) return lease.error();
        const std::lock_guard writer(m_writeMutex);
        auto query = (*lease)->query("DELETE FROM sessions WHERE created_at < ?1 OR last_used_at < ?2");
        if (!query.ok()) return Error{prefix() + "cannot write: " + (*lease)->error()};
        query.integer(1, createdBefore).integer(2, usedBefore);
        if (query.step() != SQLITE_DONE) return Error{prefix() + "cannot write: " + (*lease)->error()};
        return {};
    });
}

}  // namespace svarboks::server
