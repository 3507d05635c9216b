#include "svarboks/shared/sqlite.hpp"

#include "svarboks/shared/files.hpp"

#include <sqlite3.h>

#include <system_error>
#include <utility>

namespace svarboks::shared::sqlite {

namespace fs = std::filesystem;

Query::~Query() { reset(); }

Query& Query::text(int index, std::string_view value) {
    sqlite3_bind_text64(m_stmt, index, value.empty() ? "" : value.data(), value.size(), nullptr, SQLITE_UTF8);
    return *this;
}

Query& Query::blob(int index, std::string_view value) {
    sqlite3_bind_blob64(m_stmt, index, value.empty() ? "" : value.data(), value.size(), nullptr);
    return *this;
}

Query& Query::integer(int index, std::int64_t value) {
    sqlite3_bind_int64(m_stmt, index, value);
    return *this;
}

Query& Query::real(int index, double value) {
    sqlite3_bind_double(m_stmt, index, value);
    return *this;
}

Query& Query::null(int index) {
    sqlite3_bind_null(m_stmt, index);
    return *this;
}

Step Query::step() {
    if (m_stmt == nullptr) return Step::Failed;
    switch (sqlite3_step(m_stmt)) {
        case SQLITE_ROW: return Step::Row;
        case SQLITE_DONE: return Step::Done;
        default: return Step::Failed;
    }
}

bool Query::run() {
    const bool done = step() == Step::Done;
    sqlite3_reset(m_stmt);
    return done;
}

void Query::reset() {
    if (m_stmt == nullptr) return;
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
}

std::int64_t Query::integerAt(int column) const { return sqlite3_column_int64(m_stmt, column); }

double Query::realAt(int column) const { return sqlite3_column_double(m_stmt, column); }

bool Query::isNull(int column) const { return sqlite3_column_type(m_stmt, column) == SQLITE_NULL; }

std::string Query::textAt(int column) const {
    std::string text;
    textInto(column, text);
    return text;
}

void Query::textInto(int column, std::string& to) const {
    const auto* data = sqlite3_column_text(m_stmt, column);
    to.assign(data == nullptr ? "" : reinterpret_cast<const char*>(data), static_cast<std::size_t>(sqlite3_column_bytes(m_stmt, column)));
}

std::string Query::blobAt(int column) const {
    const auto* data = sqlite3_column_blob(m_stmt, column);
    const auto size = static_cast<std::size_t>(sqlite3_column_bytes(m_stmt, column));
    return data == nullptr ? std::string() : std::string(static_cast<const char*>(data), size);
}

void Database::Closer::operator()(sqlite3* db) const { sqlite3_close_v2(db); }

void Database::Finalizer::operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }

Database::Database(sqlite3* db, std::string prefix, std::string owner)
    : m_db(db), m_prefix(std::move(prefix)), m_owner(std::move(owner)) {}
Database::Database(Database&&) noexcept = default;
Database& Database::operator=(Database&&) noexcept = default;
Database::~Database() = default;

Result<Database> Database::open(const fs::path& path, const Options& options) {
    const std::string prefix = options.name + " " + path.string() + ": ";
    if (options.readOnly) return openReadOnly(path, options, prefix);
    std::error_code ec;
    const bool created = !fs::exists(path, ec);
    // Private before SQLite first opens it (SQLite gives its -wal and -shm the file's mode), and set so on
    // every open (a file made by an older version).
    if (Status made = makeDatabasePrivate(path, created); !made) return Error{prefix + made.message()};

    sqlite3* raw = nullptr;
    const int opened = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    Database db(raw, prefix, options.owner);
    if (opened != SQLITE_OK) return db.error("cannot open");
    if (Status connected = db.connect(options); !connected) return Error{connected.message()};
    // The file is checked before anything is written, so that a file this code does not understand stays
    // as it is; even the pragmas below need a file that SQLite can read.
    int version = 0;
    if (options.schema != nullptr) {
        auto checked = db.checkSchema(*options.schema);
        if (!checked) return checked.error();
        version = *checked;
    }
    if (Status configured = db.configure(options); !configured) return Error{configured.message()};
    if (options.schema != nullptr) {
        if (Status migrated = db.migrate(*options.schema, version); !migrated) return Error{migrated.message()};
    }
    if (created) {
        if (const int error = syncDirectory(path.parent_path()); error != 0) {
            return Error{prefix + "cannot sync its folder: " + systemMessage(error)};
        }
    }
    return db;
}

Result<Database> Database::openReadOnly(const fs::path& path, const Options& options, const std::string& prefix) {
    std::error_code ec;
    if (!fs::exists(path, ec)) return Error{prefix + "no such file"};
    sqlite3* raw = nullptr;
    const int opened = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
    Database db(raw, prefix, options.owner);
    if (opened != SQLITE_OK) return db.error("cannot open");
    sqlite3_extended_result_codes(raw, 1);
    sqlite3_busy_timeout(raw, options.busyTimeoutMs);
    return db;
}

Status Database::connect(const Options& options) {
    sqlite3* db = m_db.get();
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, options.busyTimeoutMs);
    if (sqlite3_db_readonly(db, "main") == 1) {
        return Error{m_prefix + "cannot write: the file is read-only (" + m_owner + " needs write access to the file and its folder)"};
    }
    return {};
}

Result<int> Database::checkSchema(const Schema& schema) {
    auto version = schema.version(*this);
    if (!version) return version.error();
    auto wal = query("PRAGMA journal_mode = WAL");
    if (wal.step() != Step::Row) return error("cannot switch to WAL journal mode");
    if (const auto mode = wal.textAt(0); mode != "wal") {
        return Error{m_prefix + "cannot switch to WAL journal mode (it stays '" + mode + "')"};
    }
    return version;
}

Status Database::configure(const Options& options) {
    if (!exec("PRAGMA synchronous = FULL")) return error("cannot set synchronous=FULL");
    // Explicit, not left to how SQLite was built.
    auto secureDelete = query("PRAGMA secure_delete = ON");
    if (secureDelete.step() != Step::Row || secureDelete.integerAt(0) != 1) return error("cannot set secure_delete=ON");
    if (options.foreignKeys && !exec("PRAGMA foreign_keys = ON")) return error("cannot set foreign_keys=ON");
    return {};
}

Status Database::migrate(const Schema& schema, int version) {
    const auto target = static_cast<int>(schema.migrations.size());
    if (version >= target) return {};
    return inWriteTransaction(*this, "cannot migrate", [&](Database& db) -> Status {
        auto current = schema.version(db);  // another process may have migrated meanwhile
        if (!current) return Error{current.error().message};
        for (int from = *current; from < target; ++from) {
            if (!db.exec(schema.migrations[static_cast<std::size_t>(from)])) {
                return db.error("cannot migrate from schema version " + std::to_string(from));
            }
        }
        std::string stamp = "PRAGMA user_version = " + std::to_string(target);
        if (schema.applicationId != 0) stamp += "; PRAGMA application_id = " + std::to_string(schema.applicationId);
        if (!db.exec(stamp)) return db.error("cannot migrate");
        return {};
    });
}

std::string Database::describe() const {
    sqlite3* db = m_db.get();
    if (db == nullptr) return "out of memory";
    std::string message = sqlite3_errmsg(db);
    const int primary = sqlite3_extended_errcode(db) & 0xff;
    const int error = sqlite3_system_errno(db);
    if ((primary == SQLITE_CANTOPEN || primary == SQLITE_IOERR) && error != 0) message += " (" + systemMessage(error) + ")";
    if (primary == SQLITE_READONLY) message += " (" + m_owner + " needs write access to the file and its folder)";
    return message;
}

Error Database::error(std::string_view what) const { return Error{m_prefix + std::string(what) + ": " + describe()}; }

bool Database::constraintFailed() const { return (sqlite3_extended_errcode(m_db.get()) & 0xff) == SQLITE_CONSTRAINT; }

Query Database::query(std::string_view sql) {
    auto found = m_statements.find(sql);
    if (found == m_statements.end()) {
        sqlite3_stmt* raw = nullptr;
        if (sqlite3_prepare_v3(m_db.get(), sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &raw, nullptr) != SQLITE_OK) {
            sqlite3_finalize(raw);
            return Query(nullptr);
        }
        found = m_statements.emplace(std::string(sql), std::unique_ptr<sqlite3_stmt, Finalizer>(raw)).first;
    }
    return Query(found->second.get());
}

bool Database::exec(std::string_view sql) {
    const std::string text(sql);
    return sqlite3_exec(m_db.get(), text.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK;
}

std::int64_t Database::changes() const { return sqlite3_changes64(m_db.get()); }

bool Database::inTransaction() const { return sqlite3_get_autocommit(m_db.get()) == 0; }

Result<std::string> Database::integrityCheck() {
    auto check = query("PRAGMA integrity_check");
    std::string report;
    const bool read = check.each([&] {
        if (!report.empty()) report += '\n';
        report += check.textAt(0);
    });
    if (!read) return error("cannot check integrity");
    return report;
}

Transaction::~Transaction() {
    if (m_open && m_db.inTransaction()) (void)m_db.exec("ROLLBACK");
}

bool Transaction::commit() {
    if (!m_db.exec("COMMIT")) return false;
    m_open = false;
    return true;
}

bool Transaction::begin(std::string_view sql) {
    m_open = m_db.exec(sql);
    return m_open;
}

}  // namespace svarboks::shared::sqlite
