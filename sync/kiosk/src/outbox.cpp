#include "svarboks/sync/outbox.hpp"

#include "svarboks/shared/files.hpp"
#include "svarboks/shared/sealing.hpp"

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <exception>
#include <limits>
#include <string_view>
#include <system_error>
#include <utility>

namespace svarboks::sync {

namespace fs = std::filesystem;
using shared::FileDescriptor;
using shared::syncDirectory;
using shared::systemMessage;
using shared::writeAll;

namespace {

// migrations[v] takes the schema from version v to v + 1. Never edit one that has shipped; add another.
// seq is the rowid without AUTOINCREMENT: it orders the waiting items, and starts again from 1 once the
// outbox is empty, so it is no lasting count of respondents.
constexpr std::array<std::string_view, Outbox::kSchemaVersion> kMigrations = {
    R"sql(
CREATE TABLE responses (
    seq      INTEGER PRIMARY KEY,
    id       TEXT    NOT NULL UNIQUE,
    sealed   BLOB    NOT NULL,
    state    TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'quarantined')),
    attempts INTEGER NOT NULL DEFAULT 0,
    reason   TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX responses_by_state ON responses (state, seq);
)sql",
    // held = 1: a pending response the kiosk found implausible (too fast, or one of a burst) and keeps
    // until an admin sends or deletes it. Only the flag is stored: never why, nor when.
    R"sql(
ALTER TABLE responses ADD COLUMN held INTEGER NOT NULL DEFAULT 0 CHECK (held IN (0, 1));
)sql",
};
static_assert(std::none_of(kMigrations.begin(), kMigrations.end(), [](std::string_view sql) { return sql.empty(); }),
              "every schema version needs its migration");

constexpr std::string_view kExportFormat = "svarboks-outbox-export";
constexpr int kExportVersion = 1;
constexpr std::size_t kExportBufferBytes = 64 * 1024;

std::string prefixFor(const fs::path& path) { return "outbox " + path.string() + ": "; }


// SQLite's message, plus the operating system's reason where SQLite's alone ("unable to open database
// file", "disk I/O error") would leave a person guessing.
std::string describe(sqlite3* db) {
    if (db == nullptr) return "out of memory";
    std::string message = sqlite3_errmsg(db);
    const int primary = sqlite3_extended_errcode(db) & 0xff;
    const int error = sqlite3_system_errno(db);
    if ((primary == SQLITE_CANTOPEN || primary == SQLITE_IOERR) && error != 0) message += " (" + systemMessage(error) + ")";
    if (primary == SQLITE_READONLY) message += " (the kiosk's user needs write access to the file and its folder)";
    return message;
}

class Statement {
public:
    Statement(sqlite3* db, std::string_view sql) {
        sqlite3_stmt* raw = nullptr;
        m_prepared = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &raw, nullptr);
        m_stmt.reset(raw);
    }

    [[nodiscard]] bool ok() const { return m_prepared == SQLITE_OK && m_stmt != nullptr; }

    // The bound text must outlive the statement's next step (SQLITE_STATIC: no copy).
    void bindText(int index, std::string_view text) {
        sqlite3_bind_text64(m_stmt.get(), index, text.empty() ? "" : text.data(), text.size(), nullptr, SQLITE_UTF8);
    }
    void bindBlob(int index, std::string_view bytes) {
        sqlite3_bind_blob64(m_stmt.get(), index, bytes.empty() ? "" : bytes.data(), bytes.size(), nullptr);
    }
    void bindInt(int index, std::int64_t value) { sqlite3_bind_int64(m_stmt.get(), index, value); }

    [[nodiscard]] int step() { return sqlite3_step(m_stmt.get()); }
    void reset() { sqlite3_reset(m_stmt.get()); }

    [[nodiscard]] std::int64_t integer(int column) const { return sqlite3_column_int64(m_stmt.get(), column); }
    [[nodiscard]] std::string text(int column) const {
        const auto* data = sqlite3_column_text(m_stmt.get(), column);
        const auto size = static_cast<std::size_t>(sqlite3_column_bytes(m_stmt.get(), column));
        return data == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(data), size);
    }
    [[nodiscard]] std::string blob(int column) const {
        const auto* data = sqlite3_column_blob(m_stmt.get(), column);
        const auto size = static_cast<std::size_t>(sqlite3_column_bytes(m_stmt.get(), column));
        return data == nullptr ? std::string() : std::string(static_cast<const char*>(data), size);
    }

private:
    struct Finalizer {
        void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
    };
    std::unique_ptr<sqlite3_stmt, Finalizer> m_stmt;
    int m_prepared = SQLITE_ERROR;
};

// One unit of work; rolled back on destruction unless committed.
class Transaction {
public:
    explicit Transaction(sqlite3* db) : m_db(db) {}
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction() {
        // A failed COMMIT may already have rolled back; then there is nothing left to undo.
        if (m_open && sqlite3_get_autocommit(m_db) == 0) sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
    }

    /// IMMEDIATE takes the write lock up front, so a writer waits (busy_timeout) instead of failing
    /// halfway when the other connection writes at the same time.
    [[nodiscard]] bool beginWrite() { return begin("BEGIN IMMEDIATE"); }
    /// A read snapshot: several SELECTs see the same data.
    [[nodiscard]] bool beginRead() { return begin("BEGIN DEFERRED"); }

    [[nodiscard]] bool commit() {
        if (sqlite3_exec(m_db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) return false;
        m_open = false;
        return true;
    }

private:
    bool begin(const char* sql) {
        m_open = sqlite3_exec(m_db, sql, nullptr, nullptr, nullptr) == SQLITE_OK;
        return m_open;
    }

    sqlite3* m_db;
    bool m_open = false;
};

// Deletes the temp file of an export unless it was renamed into place.
class TempFile {
public:
    explicit TempFile(fs::path path) : m_path(std::move(path)) {}
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    ~TempFile() {
        if (!m_kept) ::unlink(m_path.c_str());
    }
    [[nodiscard]] const fs::path& path() const { return m_path; }
    void keep() { m_kept = true; }

private:
    fs::path m_path;
    bool m_kept = false;
};

template <typename Body>
auto guarded(const fs::path& path, Body&& body) noexcept -> decltype(body()) {
    try {
        return body();
    } catch (const std::exception& e) {
        return Error{prefixFor(path) + e.what()};
    }
}

}  // namespace

void Outbox::Closer::operator()(sqlite3* db) const { sqlite3_close_v2(db); }

Outbox::Outbox(sqlite3* db, fs::path path) : m_db(db), m_path(std::move(path)) {}
Outbox::Outbox(Outbox&&) noexcept = default;
Outbox& Outbox::operator=(Outbox&&) noexcept = default;
Outbox::~Outbox() = default;

Result<Outbox> Outbox::open(const fs::path& path) {
    return guarded(path, [&]() -> Result<Outbox> {
        const std::string prefix = prefixFor(path);
        std::error_code ec;
        const bool created = !fs::exists(path, ec);
        // Private to the kiosk's user, with its -wal and -shm (SQLite gives them the file's mode): made 0600
        // before SQLite first opens it, and set so on every open (an outbox made by an older version).
        if (Status made = shared::makeDatabasePrivate(path, created); !made) return Error{prefix + made.message()};

        sqlite3* raw = nullptr;
        const int opened = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
        Outbox outbox(raw, path);
        if (opened != SQLITE_OK) return Error{prefix + "cannot open: " + describe(raw)};
        sqlite3* db = outbox.m_db.get();
        sqlite3_extended_result_codes(db, 1);
        sqlite3_busy_timeout(db, kBusyTimeoutMs);
        if (sqlite3_db_readonly(db, "main") == 1) {
            return Error{prefix + "cannot write: the file is read-only (the kiosk's user needs write access to the file and its folder)"};
        }

        const auto readVersion = [&]() -> Result<int> {
            Statement statement(db, "PRAGMA user_version");
            if (!statement.ok() || statement.step() != SQLITE_ROW) return Error{prefix + "cannot open: " + describe(db)};
            return static_cast<int>(statement.integer(0));
        };
        const auto checkVersion = [&](int version) -> Status {
            if (version > kSchemaVersion) {
                return Error{prefix + "schema version " + std::to_string(version) + " is newer than this program knows (" +
                             std::to_string(kSchemaVersion) + "); it was written by a newer svarboks: install that "
                             "version again (the file is left untouched)"};
            }
            if (version < 0) return Error{prefix + "schema version " + std::to_string(version) + " is not an outbox's"};
            return {};
        };
        const auto checkEmpty = [&]() -> Status {
            Statement tables(db, "SELECT count(*) FROM sqlite_master");
            if (!tables.ok() || tables.step() != SQLITE_ROW) return Error{prefix + "cannot open: " + describe(db)};
            if (tables.integer(0) != 0) {
                return Error{prefix + "is a database of another program (it has tables but no outbox schema version); "
                                      "refusing to change it"};
            }
            return {};
        };

        // Checked before anything is written, so that a file this code does not understand stays as it is.
        auto version = readVersion();
        if (!version) return version.error();
        if (auto status = checkVersion(*version); !status) return Error{status.message()};
        if (*version == 0) {
            if (auto status = checkEmpty(); !status) return Error{status.message()};
        }

        {
            Statement wal(db, "PRAGMA journal_mode = WAL");
            if (!wal.ok() || wal.step() != SQLITE_ROW) return Error{prefix + "cannot switch to WAL journal mode: " + describe(db)};
            if (const auto mode = wal.text(0); mode != "wal") {
                return Error{prefix + "cannot switch to WAL journal mode (it stays '" + mode + "')"};
            }
        }
        if (sqlite3_exec(db, "PRAGMA synchronous = FULL", nullptr, nullptr, nullptr) != SQLITE_OK) {
            return Error{prefix + "cannot set synchronous=FULL: " + describe(db)};
        }
        {
            // Explicit, not left to how SQLite was built: a delivered or deleted response's sealed bytes are
            // overwritten with zeros, so the file's free pages keep no copy of them (and no order of them).
            Statement secureDelete(db, "PRAGMA secure_delete = ON");
            if (!secureDelete.ok() || secureDelete.step() != SQLITE_ROW || secureDelete.integer(0) != 1) {
                return Error{prefix + "cannot set secure_delete=ON: " + describe(db)};
            }
        }

        if (*version < kSchemaVersion) {
            Transaction transaction(db);
            if (!transaction.beginWrite()) return Error{prefix + "cannot migrate: " + describe(db)};
            // Another process may have migrated between the first look and the write lock.
            version = readVersion();
            if (!version) return version.error();
            if (auto status = checkVersion(*version); !status) return Error{status.message()};
            if (*version == 0) {
                if (auto status = checkEmpty(); !status) return Error{status.message()};
            }
            for (int from = *version; from < kSchemaVersion; ++from) {
                const std::string sql(kMigrations[static_cast<std::size_t>(from)]);
                if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
                    return Error{prefix + "cannot migrate from schema version " + std::to_string(from) + ": " + describe(db)};
                }
            }
            const std::string setVersion = "PRAGMA user_version = " + std::to_string(kSchemaVersion);
            if (sqlite3_exec(db, setVersion.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK || !transaction.commit()) {
                return Error{prefix + "cannot migrate: " + describe(db)};
            }
        }
        if (created) {
            if (const int error = syncDirectory(path.parent_path()); error != 0) {
                return Error{prefix + "cannot sync its folder: " + systemMessage(error)};
            }
        }
        return outbox;
    });
}

Status Outbox::add(const std::string& id, const std::string& sealed, bool held) {
    return guarded(m_path, [&]() -> Status {
        const std::string prefix = prefixFor(m_path);
        if (!shared::isUuidV4(id)) return Error{prefix + "cannot add '" + id.substr(0, 40) + "': the id is not a lower-case v4 UUID"};
        if (sealed.empty()) return Error{prefix + "cannot add " + id + ": the sealed value is empty"};
        sqlite3* db = m_db.get();
        const auto fail = [&] { return Error{prefix + "cannot write: " + describe(db)}; };

        Transaction transaction(db);
        if (!transaction.beginWrite()) return fail();
        Statement existing(db, "SELECT sealed FROM responses WHERE id = ?1");
        if (!existing.ok()) return fail();
        existing.bindText(1, id);
        switch (existing.step()) {
            case SQLITE_ROW:
                if (existing.blob(0) == sealed) return {};
                return Error{prefix + "response " + id + " is already stored with different sealed bytes; "
                             "the stored one is kept and not overwritten"};
            case SQLITE_DONE: break;
            default: return fail();
        }
        Statement insert(db, "INSERT INTO responses (id, sealed, held) VALUES (?1, ?2, ?3)");
        if (!insert.ok()) return fail();
        insert.bindText(1, id);
        insert.bindBlob(2, sealed);
        insert.bindInt(3, held ? 1 : 0);
        if (insert.step() != SQLITE_DONE || !transaction.commit()) return fail();
        return {};
    });
}

Result<OutboxCounts> Outbox::counts() {
    return guarded(m_path, [&]() -> Result<OutboxCounts> {
        sqlite3* db = m_db.get();
        Statement statement(db, "SELECT state, held, count(*) FROM responses GROUP BY state, held");
        if (!statement.ok()) return Error{prefixFor(m_path) + "cannot read: " + describe(db)};
        OutboxCounts counts;
        int rc = SQLITE_ROW;
        while ((rc = statement.step()) == SQLITE_ROW) {
            if (statement.text(0) != "pending") counts.quarantined += statement.integer(2);
            else if (statement.integer(1) != 0) counts.held += statement.integer(2);
            else counts.pending += statement.integer(2);
        }
        if (rc != SQLITE_DONE) return Error{prefixFor(m_path) + "cannot read: " + describe(db)};
        return counts;
    });
}

namespace {

// Held items are never read here: they are not sent, and a held item is never quarantined.
Result<std::vector<OutboxItem>> readItems(sqlite3* db, const fs::path& path, std::string_view state, std::int64_t limit) {
    Statement statement(db, "SELECT id, sealed, attempts, reason FROM responses WHERE state = ?1 AND held = 0 ORDER BY seq LIMIT ?2");
    if (!statement.ok()) return Error{prefixFor(path) + "cannot read: " + describe(db)};
    statement.bindText(1, state);
    statement.bindInt(2, limit);
    std::vector<OutboxItem> items;
    int rc = SQLITE_ROW;
    while ((rc = statement.step()) == SQLITE_ROW) {
        items.push_back({statement.text(0), statement.blob(1), static_cast<int>(statement.integer(2)), statement.text(3)});
    }
    if (rc != SQLITE_DONE) return Error{prefixFor(path) + "cannot read: " + describe(db)};
    return items;
}

// Runs `sql` (one parameter: the id) once per id, in one transaction.
Status forEachId(sqlite3* db, const fs::path& path, std::string_view sql, const std::vector<std::string>& ids) {
    if (ids.empty()) return {};
    const auto fail = [&] { return Error{prefixFor(path) + "cannot write: " + describe(db)}; };
    Transaction transaction(db);
    if (!transaction.beginWrite()) return fail();
    Statement statement(db, sql);
    if (!statement.ok()) return fail();
    for (const auto& id : ids) {
        statement.bindText(1, id);
        if (statement.step() != SQLITE_DONE) return fail();
        statement.reset();
    }
    if (!transaction.commit()) return fail();
    return {};
}

}  // namespace

Result<std::vector<OutboxItem>> Outbox::pending(std::size_t limit) {
    return guarded(m_path, [&] {
        const auto bounded = static_cast<std::int64_t>(std::min<std::size_t>(limit, std::numeric_limits<std::int64_t>::max()));
        return readItems(m_db.get(), m_path, "pending", bounded);
    });
}

Result<std::vector<OutboxItem>> Outbox::quarantined() {
    return guarded(m_path, [&] { return readItems(m_db.get(), m_path, "quarantined", -1); });
}

Status Outbox::remove(const std::vector<std::string>& ids) {
    return guarded(m_path, [&] {
        return forEachId(m_db.get(), m_path, "DELETE FROM responses WHERE id = ?1 AND state = 'pending' AND held = 0", ids);
    });
}

Status Outbox::countAttempt(const std::vector<std::string>& ids) {
    return guarded(m_path, [&] {
        return forEachId(m_db.get(), m_path, "UPDATE responses SET attempts = attempts + 1 WHERE id = ?1", ids);
    });
}

Result<std::int64_t> Outbox::releaseHeld() {
    return guarded(m_path, [&] { return changeRows("UPDATE responses SET held = 0 WHERE held = 1"); });
}

Result<std::int64_t> Outbox::deleteHeld() {
    return guarded(m_path, [&] { return changeRows("DELETE FROM responses WHERE held = 1 AND state = 'pending'"); });
}

Result<std::int64_t> Outbox::retryQuarantined() {
    return guarded(m_path, [&] { return changeRows("UPDATE responses SET state = 'pending', reason = '' WHERE state = 'quarantined'"); });
}

Result<std::int64_t> Outbox::changeRows(std::string_view sql) {
    sqlite3* db = m_db.get();
    const auto fail = [&] { return Error{prefixFor(m_path) + "cannot write: " + describe(db)}; };
    Transaction transaction(db);
    if (!transaction.beginWrite()) return fail();
    Statement statement(db, sql);
    if (!statement.ok() || statement.step() != SQLITE_DONE) return fail();
    const std::int64_t changed = sqlite3_changes64(db);
    if (!transaction.commit()) return fail();
    return changed;
}

Status Outbox::quarantine(const std::string& id, const std::string& reason) {
    return guarded(m_path, [&]() -> Status {
        sqlite3* db = m_db.get();
        const auto fail = [&] { return Error{prefixFor(m_path) + "cannot write: " + describe(db)}; };
        Transaction transaction(db);
        if (!transaction.beginWrite()) return fail();
        Statement statement(db, "UPDATE responses SET state = 'quarantined', reason = ?2 WHERE id = ?1");
        if (!statement.ok()) return fail();
        statement.bindText(1, id);
        statement.bindText(2, reason);
        if (statement.step() != SQLITE_DONE) return fail();
        if (sqlite3_changes(db) == 0) {
            return Error{prefixFor(m_path) + "cannot quarantine '" + id.substr(0, 40) + "': no response with this id"};
        }
        if (!transaction.commit()) return fail();
        return {};
    });
}

Result<std::int64_t> Outbox::exportTo(const fs::path& file, const std::string& headerJson) {
    return guarded(m_path, [&]() -> Result<std::int64_t> {
        using Json = nlohmann::ordered_json;
        const std::string prefix = prefixFor(m_path) + "cannot export to " + file.string() + ": ";
        sqlite3* db = m_db.get();

        Json header = headerJson.empty() ? Json::object() : Json::parse(headerJson, nullptr, false);
        if (header.is_discarded() || !header.is_object()) return Error{prefix + "the header is not a JSON object"};
        for (const char* reserved : {"format", "version", "count"}) {
            if (header.contains(reserved)) return Error{prefix + "the header may not set '" + reserved + "'"};
        }

        Transaction snapshot(db);
        if (!snapshot.beginRead()) return Error{prefix + "cannot read: " + describe(db)};
        Statement count(db, "SELECT count(*) FROM responses WHERE held = 0");
        if (!count.ok() || count.step() != SQLITE_ROW) return Error{prefix + "cannot read: " + describe(db)};
        const std::int64_t total = count.integer(0);
        Statement rows(db, "SELECT id, sealed, state FROM responses WHERE held = 0 ORDER BY seq");
        if (!rows.ok()) return Error{prefix + "cannot read: " + describe(db)};

        const fs::path folder = file.parent_path();
        TempFile temp(folder / ("." + file.filename().string() + ".tmp-" + shared::toBase64Url(shared::randomBytes(9))));
        FileDescriptor fd(::open(temp.path().c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
        if (!fd.valid()) {
            const int error = errno;
            return Error{prefix + "cannot create a file in " + (folder.empty() ? fs::path(".") : folder).string() + ": " +
                         systemMessage(error)};
        }
        const auto writeFailed = [&] { return Error{prefix + "cannot write: " + systemMessage(errno)}; };

        Json first = Json::object();
        first["format"] = std::string(kExportFormat);
        first["version"] = kExportVersion;
        first["count"] = total;
        for (auto& [key, value] : header.items()) first[key] = std::move(value);
        std::string buffer = first.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";

        std::int64_t written = 0;
        int rc = SQLITE_ROW;
        while ((rc = rows.step()) == SQLITE_ROW) {
            Json line = Json::object();
            line["id"] = rows.text(0);
            line["sealed"] = shared::toBase64(rows.blob(1));
            line["state"] = rows.text(2);
            buffer += line.dump(-1, ' ', false, Json::error_handler_t::replace);
            buffer += '\n';
            ++written;
            if (buffer.size() >= kExportBufferBytes) {
                if (!writeAll(fd.get(), buffer)) return writeFailed();
                buffer.clear();
            }
        }
        if (rc != SQLITE_DONE) return Error{prefix + "cannot read: " + describe(db)};
        if (written != total) return Error{prefix + "the outbox changed while it was read"};
        if (!writeAll(fd.get(), buffer)) return writeFailed();
        if (::fsync(fd.get()) != 0) return Error{prefix + "cannot sync: " + systemMessage(errno)};
        if (!fd.close()) return writeFailed();
        if (::rename(temp.path().c_str(), file.c_str()) != 0) return Error{prefix + "cannot replace it: " + systemMessage(errno)};
        temp.keep();
        if (const int error = syncDirectory(folder); error != 0) {
            return Error{prefix + "written, but its folder cannot be synced: " + systemMessage(error)};
        }
        return written;
    });
}

Result<std::string> Outbox::integrityCheck() {
    return guarded(m_path, [&]() -> Result<std::string> {
        sqlite3* db = m_db.get();
        Statement statement(db, "PRAGMA integrity_check");
        if (!statement.ok()) return Error{prefixFor(m_path) + "cannot check integrity: " + describe(db)};
        std::string report;
        int rc = SQLITE_ROW;
        while ((rc = statement.step()) == SQLITE_ROW) {
            if (!report.empty()) report += '\n';
            report += statement.text(0);
        }
        if (rc != SQLITE_DONE) return Error{prefixFor(m_path) + "cannot check integrity: " + describe(db)};
        return report;
    });
}

}  // namespace svarboks::sync
