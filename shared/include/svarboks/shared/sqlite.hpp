#pragma once
// SQLite, one way for the kiosk's outbox and the central store (svarboks::sqlite): how a database file is
// opened and made private, the pragmas that make a commit durable, how a failure is described, prepared
// statements with typed binds and column reads, and transactions that roll back unless committed.
//
// Opening: the file is made private first (0600 with its -wal and -shm, shared/files.hpp), its folder
// synced when the file is new; the connection waits up to `busyTimeoutMs` for another one's write lock
// and refuses a read-only file. With a Schema it then checks that the file is the caller's and switches
// it to WAL: before anything is written, so that a file of another program, or of a newer version, is
// left exactly as it was. Every connection runs with synchronous=FULL and secure_delete=ON (freed pages
// are zeroed, so a deleted row leaves no copy in the file); last, a Schema's migrations run.
//
// Threads: a Database is one connection, used by one thread at a time (opened without SQLite's own
// mutex); a Query belongs to its Database.
//
// Errors: values. A message starts with the database's prefix ("outbox /var/lib/svarboks/outbox.db: ")
// and says what failed and SQLite's reason, with the operating system's where SQLite's alone would leave
// a person guessing: "... cannot write: database or disk is full".
#include "svarboks/shared/result.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

struct sqlite3;
struct sqlite3_stmt;

namespace svarboks::shared::sqlite {

class Database;

/// The schema a database must have, and how to get there.
struct Schema {
    /// migrations[v] takes the schema from version v to v + 1 (several statements each). Never edit one
    /// that has shipped; add another. Their number is the version this code writes.
    std::span<const std::string_view> migrations;
    /// Stamped beside the version when not 0 (PRAGMA application_id), to tell the file from other SQLite files.
    std::int32_t applicationId = 0;
    /// Reads the file's schema version and refuses (with a message) a file that is not the caller's, or
    /// newer than migrations.size(). Called before anything is written, and again inside the migration's
    /// write transaction (another process may have migrated meanwhile).
    Result<int> (*version)(Database& db) = nullptr;
};

struct Options {
    /// What the messages call the file: "outbox" gives "outbox PATH: ...".
    std::string name;
    /// Who needs write access, for the hint on a read-only file: "the kiosk's user".
    std::string owner;
    /// How long a write waits for another connection's transaction before failing.
    int busyTimeoutMs = 5000;
    /// PRAGMA foreign_keys = ON.
    bool foreignKeys = false;
    /// Checked (then WAL and migrated) when set; a further connection to a file already opened needs none.
    const Schema* schema = nullptr;
    /// Only reads an existing file (a backup on read-only media): nothing is created, made private,
    /// configured or migrated, and `schema` is not used.
    bool readOnly = false;
};

/// What a step of a statement gave.
enum class Step { Row, Done, Failed };

/// A prepared statement of a Database, cached there. Binds and steps it; on destruction it is reset and
/// its bindings cleared. An invalid Query (the SQL did not prepare) fails every step.
class Query {
public:
    explicit Query(sqlite3_stmt* stmt) : m_stmt(stmt) {}
    Query(const Query&) = delete;
    Query& operator=(const Query&) = delete;
    ~Query();

    /// Text and blobs are bound without a copy: the value must outlive the next step.
    Query& text(int index, std::string_view value);
    Query& blob(int index, std::string_view value);
    Query& integer(int index, std::int64_t value);
    Query& real(int index, double value);
    Query& null(int index);

    [[nodiscard]] Step step();
    /// Steps a statement that returns no rows, then resets it for new bindings; true when it ran.
    [[nodiscard]] bool run();
    /// Makes the statement ready for new bindings (within one scope that runs it several times).
    void reset();
    /// Calls `row()` for every row; `row` may return false to stop early. True when every row was read
    /// (or `row` stopped), false on a failure (Database::error says which).
    template <typename Row>
    [[nodiscard]] bool each(Row&& row) {
        Step last;
        while ((last = step()) == Step::Row) {
            if constexpr (std::is_void_v<decltype(row())>) {
                row();
            } else if (!row()) {
                return true;
            }
        }
        return last == Step::Done;
    }

    [[nodiscard]] std::int64_t integerAt(int column) const;
    [[nodiscard]] double realAt(int column) const;
    [[nodiscard]] bool isNull(int column) const;
    [[nodiscard]] std::string textAt(int column) const;
    /// Like textAt, into a string whose capacity is reused row after row.
    void textInto(int column, std::string& to) const;
    [[nodiscard]] std::string blobAt(int column) const;

private:
    sqlite3_stmt* m_stmt;
};

/// One connection (see above). Movable, not copyable.
class Database {
public:
    /// Opens (creating when it does not exist) the database at `path` as described above.
    [[nodiscard]] static Result<Database> open(const std::filesystem::path& path, const Options& options);

    Database(Database&&) noexcept;
    Database& operator=(Database&&) noexcept;
    ~Database();

    /// "NAME PATH: ", the start of every message about this database.
    [[nodiscard]] const std::string& prefix() const { return m_prefix; }
    /// SQLite's message of the last failure, with the reason of the operating system or a hint (see above).
    [[nodiscard]] std::string describe() const;
    /// prefix() + what + ": " + describe(): "store /srv/central.db: cannot write: disk I/O error (No space left on device)".
    [[nodiscard]] Error error(std::string_view what) const;
    /// Whether the last failure was a constraint (a unique key that exists, ...).
    [[nodiscard]] bool constraintFailed() const;

    /// The statement for `sql`, prepared once per connection and cached.
    [[nodiscard]] Query query(std::string_view sql);
    /// Runs SQL without results (several statements allowed); true when it ran.
    [[nodiscard]] bool exec(std::string_view sql);
    /// Rows changed by the last INSERT, UPDATE or DELETE.
    [[nodiscard]] std::int64_t changes() const;
    /// Whether a transaction is open.
    [[nodiscard]] bool inTransaction() const;
    /// `PRAGMA integrity_check`: "ok", or SQLite's findings one a line.
    [[nodiscard]] Result<std::string> integrityCheck();

private:
    struct Closer {
        void operator()(sqlite3* db) const;
    };
    struct Finalizer {
        void operator()(sqlite3_stmt* stmt) const;
    };
    Database(sqlite3* db, std::string prefix, std::string owner);
    [[nodiscard]] static Result<Database> openReadOnly(const std::filesystem::path& path, const Options& options, const std::string& prefix);
    [[nodiscard]] Status connect(const Options& options);
    [[nodiscard]] Result<int> checkSchema(const Schema& schema);
    [[nodiscard]] Status configure(const Options& options);
    [[nodiscard]] Status migrate(const Schema& schema, int version);

    std::unique_ptr<sqlite3, Closer> m_db;
    std::string m_prefix;
    std::string m_owner;
    // Declared after m_db: finalized before the connection closes.
    std::map<std::string, std::unique_ptr<sqlite3_stmt, Finalizer>, std::less<>> m_statements;
};

/// One unit of work, rolled back on destruction unless committed (a failed COMMIT may have rolled back
/// already; then there is nothing left to undo).
class Transaction {
public:
    explicit Transaction(Database& db) : m_db(db) {}
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction();

    /// BEGIN IMMEDIATE: takes the write lock up front, so a writer waits (busy timeout) instead of failing
    /// halfway when another connection writes at the same time.
    [[nodiscard]] bool beginWrite() { return begin("BEGIN IMMEDIATE"); }
    /// A read snapshot: several SELECTs see the same data.
    [[nodiscard]] bool beginRead() { return begin("BEGIN DEFERRED"); }
    /// False when the commit failed (nothing of the transaction is stored then).
    [[nodiscard]] bool commit();

private:
    [[nodiscard]] bool begin(std::string_view sql);
    Database& m_db;
    bool m_open = false;
};

/// Runs `body(db)` (returning a Status or a Result) in a write transaction and commits when it succeeds;
/// it is rolled back when `body` fails or throws. A failed BEGIN or COMMIT gives db.error(what).
template <typename Body>
auto inWriteTransaction(Database& db, std::string_view what, Body&& body) -> decltype(body(db)) {
    Transaction transaction(db);
    if (!transaction.beginWrite()) return db.error(what);
    auto result = body(db);
    if (result && !transaction.commit()) return db.error(what);
    return result;
}

/// Runs `body(db)` in a read snapshot (several statements see the same data).
template <typename Body>
auto inReadTransaction(Database& db, std::string_view what, Body&& body) -> decltype(body(db)) {
    Transaction snapshot(db);
    if (!snapshot.beginRead()) return db.error(what);
    return body(db);
}

}  // namespace svarboks::shared::sqlite
