#include "svarboks/server/backup.hpp"

#include "svarboks/server/sqlite_storage.hpp"
#include "svarboks/shared/files.hpp"

#include <sodium.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <memory>
#include <optional>
#include <vector>

namespace svarboks::server {

namespace fs = std::filesystem;
using shared::Error;
using shared::Result;
using shared::Status;
using shared::systemMessage;

namespace {

// The folder's files that a backup carries besides the store, with the modes `init` gives them.
struct KeptFile {
    std::string name;  ///< relative to the data folder
    mode_t mode;
};
const std::array<KeptFile, 4> kKeptFiles = {{
    {"secret.key", 0600},
    {"public.key", 0644},
    {"tls/cert.pem", 0644},
    {"tls/key.pem", 0600},
}};

struct CloseDatabase {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Database = std::unique_ptr<sqlite3, CloseDatabase>;

Result<Database> openDatabase(const fs::path& path, int flags) {
    sqlite3* raw = nullptr;
    const int opened = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
    Database db(raw);
    if (opened != SQLITE_OK) return Error{path.string() + ": cannot open: " + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(opened))};
    sqlite3_busy_timeout(db.get(), SqliteStorage::kBusyTimeoutMs);
    return db;
}

struct FinalizeStatement {
    void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};
using Statement = std::unique_ptr<sqlite3_stmt, FinalizeStatement>;

Result<Statement> prepare(sqlite3* db, const fs::path& path, const std::string& sql) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &raw, nullptr) != SQLITE_OK) {
        return Error{path.string() + ": " + sqlite3_errmsg(db)};
    }
    return Statement(raw);
}

Status execute(sqlite3* db, const fs::path& path, const std::string& sql) {
    char* message = nullptr;
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
        std::string text = message ? message : sqlite3_errmsg(db);
        sqlite3_free(message);
        return Error{path.string() + ": " + text};
    }
    return {};
}

// VACUUM INTO: a consistent, compact copy in one read transaction; `into` must be empty or absent.
Status vacuumInto(sqlite3* db, const fs::path& from, const fs::path& into) {
    auto statement = prepare(db, from, "VACUUM INTO ?1");
    if (!statement) return statement.error();
    const std::string target = into.string();
    sqlite3_bind_text(statement->get(), 1, target.c_str(), static_cast<int>(target.size()), SQLITE_STATIC);
    if (sqlite3_step(statement->get()) != SQLITE_DONE) return Error{from.string() + ": cannot copy to " + target + ": " + sqlite3_errmsg(db)};
    return {};
}

Result<std::int64_t> countRows(sqlite3* db, const fs::path& path, const std::string& table) {
    auto statement = prepare(db, path, "SELECT count(*) FROM " + table);
    if (!statement) return statement.error();
    if (sqlite3_step(statement->get()) != SQLITE_ROW) return Error{path.string() + ": cannot count " + table + ": " + sqlite3_errmsg(db)};
    return sqlite3_column_int64(statement->get(), 0);
}

Status checkIntegrity(sqlite3* db, const fs::path& path) {
    auto statement = prepare(db, path, "PRAGMA integrity_check");
    if (!statement) return statement.error();
    std::string report;
    while (sqlite3_step(statement->get()) == SQLITE_ROW) {
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement->get(), 0));
        report += (report.empty() ? "" : "; ") + std::string(text ? text : "");
    }
    if (report != "ok") return Error{path.string() + ": damaged (integrity check: " + report + ")"};
    return {};
}

// An empty file, the owner's alone from its creation, that SQLite then writes into.
Status createPrivateEmpty(const fs::path& path) {
    shared::FileDescriptor fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!fd.valid()) return Error{path.string() + ": cannot create: " + systemMessage(errno)};
    if (!fd.close()) return Error{path.string() + ": cannot create: " + systemMessage(errno)};
    return {};
}

Status syncFile(const fs::path& path) {
    shared::FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid() || ::fsync(fd.get()) != 0) return Error{path.string() + ": cannot sync: " + systemMessage(errno)};
    return {};
}

Status syncFolder(const fs::path& dir) {
    if (const int error = shared::syncDirectory(dir); error != 0) return Error{dir.string() + ": cannot sync the folder: " + systemMessage(error)};
    return {};
}

Result<std::string> fileSha256(const fs::path& path) {
    shared::FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return Error{path.string() + ": cannot read: " + systemMessage(errno)};
    crypto_hash_sha256_state state;
    crypto_hash_sha256_init(&state);
    std::vector<unsigned char> buffer(1 << 20);
    for (;;) {
        const ssize_t got = ::read(fd.get(), buffer.data(), buffer.size());
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) return Error{path.string() + ": cannot read: " + systemMessage(errno)};
        if (got == 0) break;
        crypto_hash_sha256_update(&state, buffer.data(), static_cast<unsigned long long>(got));
    }
    std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
    crypto_hash_sha256_final(&state, digest.data());
    std::string hex(digest.size() * 2 + 1, '\0');
    sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
    hex.pop_back();
    return hex;
}

// Adds the folder's keys and certificate, and the count of responses, to the copy of the store.
Status addKeptFiles(sqlite3* db, const fs::path& backup, const DataDir& dir, std::int64_t responses) {
    if (auto done = execute(db, backup,
                            "BEGIN IMMEDIATE;"
                            "CREATE TABLE svarboks_backup_files(name TEXT PRIMARY KEY, mode INTEGER NOT NULL, bytes BLOB NOT NULL);"
                            "CREATE TABLE svarboks_backup_info(responses INTEGER NOT NULL)");
        !done) {
        return done;
    }
    auto insert = prepare(db, backup, "INSERT INTO svarboks_backup_files(name, mode, bytes) VALUES(?1, ?2, ?3)");
    if (!insert) return insert.error();
    for (const auto& kept : kKeptFiles) {
        auto bytes = shared::readSmallFile(dir.root / kept.name, 1 << 20);
        if (!bytes) return bytes.error();
        if (!*bytes) return Error{(dir.root / kept.name).string() + ": missing; the data folder is incomplete"};
        sqlite3_reset(insert->get());
        sqlite3_bind_text(insert->get(), 1, kept.name.c_str(), static_cast<int>(kept.name.size()), SQLITE_STATIC);
        sqlite3_bind_int(insert->get(), 2, static_cast<int>(kept.mode));
        sqlite3_bind_blob(insert->get(), 3, (*bytes)->data(), static_cast<int>((*bytes)->size()), SQLITE_STATIC);
        const int stepped = sqlite3_step(insert->get());
        sodium_memzero((*bytes)->data(), (*bytes)->size());
        if (stepped != SQLITE_DONE) return Error{backup.string() + ": cannot add " + kept.name + ": " + sqlite3_errmsg(db)};
    }
    return execute(db, backup, "INSERT INTO svarboks_backup_info(responses) VALUES(" + std::to_string(responses) + "); COMMIT");
}

Result<std::int64_t> recordedResponses(sqlite3* db, const fs::path& backup) {
    auto statement = prepare(db, backup, "SELECT responses FROM svarboks_backup_info");
    if (!statement) return Error{backup.string() + " is not a Svarboks backup (" + statement.error().message + ")"};
    if (sqlite3_step(statement->get()) != SQLITE_ROW) return Error{backup.string() + " is not a Svarboks backup (no summary)"};
    return sqlite3_column_int64(statement->get(), 0);
}

// The backup, checked: undamaged, every kept file present, and as many responses as it says it holds.
Result<std::int64_t> checkBackup(sqlite3* db, const fs::path& backup) {
    if (auto intact = checkIntegrity(db, backup); !intact) return Error{intact.message()};
    auto recorded = recordedResponses(db, backup);
    if (!recorded) return recorded.error();
    auto counted = countRows(db, backup, "responses");
    if (!counted) return counted.error();
    if (*counted != *recorded) {
        return Error{backup.string() + ": holds " + std::to_string(*counted) + " responses but recorded " + std::to_string(*recorded)};
    }
    auto files = countRows(db, backup, "svarboks_backup_files");
    if (!files) return files.error();
    if (*files != static_cast<std::int64_t>(kKeptFiles.size())) return Error{backup.string() + ": the keys or the certificate are missing"};
    return *recorded;
}

Result<BackupReport> reportOn(const fs::path& file, std::int64_t responses) {
    std::error_code ec;
    const auto size = fs::file_size(file, ec);
    if (ec) return Error{file.string() + ": " + ec.message()};
    auto digest = fileSha256(file);
    if (!digest) return digest.error();
    return BackupReport{responses, static_cast<std::int64_t>(size), *digest};
}

bool isEmptyOrAbsent(const fs::path& dir) {
    std::error_code ec;
    if (!fs::exists(dir, ec)) return true;
    return fs::is_directory(dir, ec) && fs::is_empty(dir, ec);
}

Result<BackupReport> writeBackup(const DataDir& dir, const fs::path& file, const fs::path& partial) {
    if (auto keys = loadKeyPair(dir); !keys) return keys.error();
    std::int64_t responses = 0;
    {
        auto store = openDatabase(dir.store(), SQLITE_OPEN_READWRITE);
        if (!store) return store.error();
        if (auto created = createPrivateEmpty(partial); !created) return Error{created.message()};
        if (auto copied = vacuumInto(store->get(), dir.store(), partial); !copied) return Error{copied.message()};
    }
    {
        auto copy = openDatabase(partial, SQLITE_OPEN_READWRITE);
        if (!copy) return copy.error();
        auto counted = countRows(copy->get(), partial, "responses");
        if (!counted) return counted.error();
        responses = *counted;
        if (auto added = addKeptFiles(copy->get(), partial, dir, responses); !added) return Error{added.message()};
        if (auto checked = checkBackup(copy->get(), partial); !checked) return checked.error();
    }
    if (auto synced = syncFile(partial); !synced) return Error{synced.message()};
    // link() refuses an existing target, so a backup never replaces a file, even one made meanwhile.
    if (::link(partial.c_str(), file.c_str()) != 0) return Error{file.string() + ": cannot create: " + systemMessage(errno)};
    fs::remove(partial);
    if (auto synced = syncFolder(file.parent_path().empty() ? fs::path(".") : file.parent_path()); !synced) return Error{synced.message()};
    return reportOn(file, responses);
}

Result<BackupReport> writeRestore(const fs::path& file, const DataDir& dir) {
    auto backup = openDatabase(file, SQLITE_OPEN_READONLY);
    if (!backup) return backup.error();
    auto responses = checkBackup(backup->get(), file);
    if (!responses) return responses.error();

    std::error_code ec;
    fs::create_directories(dir.tlsCert().parent_path(), ec);
    if (ec) return Error{dir.root.string() + ": cannot create: " + ec.message()};
    fs::permissions(dir.root, fs::perms::owner_all, ec);
    fs::permissions(dir.tlsCert().parent_path(), fs::perms::owner_all, ec);

    auto files = prepare(backup->get(), file, "SELECT name, mode, bytes FROM svarboks_backup_files");
    if (!files) return files.error();
    while (sqlite3_step(files->get()) == SQLITE_ROW) {
        const std::string name = reinterpret_cast<const char*>(sqlite3_column_text(files->get(), 0));
        const bool known = std::any_of(kKeptFiles.begin(), kKeptFiles.end(), [&](const KeptFile& kept) { return kept.name == name; });
        if (!known) return Error{file.string() + ": holds an unexpected file '" + name + "'"};
        const auto* bytes = static_cast<const char*>(sqlite3_column_blob(files->get(), 2));
        const auto size = static_cast<std::size_t>(sqlite3_column_bytes(files->get(), 2));
        if (auto written = shared::writeAtomically(dir.root / name, std::string_view(bytes ? bytes : "", size)); !written) {
            return Error{written.message()};
        }
        fs::permissions(dir.root / name, static_cast<fs::perms>(sqlite3_column_int(files->get(), 1)), ec);
    }
    if (auto made = createPrivateEmpty(dir.store()); !made) return Error{made.message()};
    if (auto copied = vacuumInto(backup->get(), file, dir.store()); !copied) return Error{copied.message()};
    backup->reset();
    {
        // The keys must not stay in the store's free pages: drop them, then rewrite the file.
        auto store = openDatabase(dir.store(), SQLITE_OPEN_READWRITE);
        if (!store) return store.error();
        if (auto dropped = execute(store->get(), dir.store(),
                                   "DROP TABLE svarboks_backup_files; DROP TABLE svarboks_backup_info; VACUUM");
            !dropped) {
            return Error{dropped.message()};
        }
    }
    if (auto synced = syncFile(dir.store()); !synced) return Error{synced.message()};
    if (auto synced = syncFolder(dir.tlsCert().parent_path()); !synced) return Error{synced.message()};
    if (auto synced = syncFolder(dir.root); !synced) return Error{synced.message()};

    // Read back through the store itself: it opens (and upgrades an older schema), is intact, holds every
    // response; the keys belong together.
    if (auto keys = loadKeyPair(dir); !keys) return keys.error();
    auto store = SqliteStorage::open(dir.store());
    if (!store) return store.error();
    auto integrity = (*store)->integrityCheck();
    if (!integrity) return integrity.error();
    if (*integrity != "ok") return Error{dir.store().string() + ": damaged after the restore (" + *integrity + ")"};
    auto count = (*store)->responseCount();
    if (!count) return count.error();
    if (*count != *responses) {
        return Error{dir.store().string() + ": " + std::to_string(*count) + " responses after the restore, " +
                     std::to_string(*responses) + " in the backup"};
    }
    return reportOn(file, *responses);
}

}  // namespace

Result<BackupReport> backupDataDir(const DataDir& dir, const fs::path& file) {
    try {
        std::error_code ec;
        if (fs::exists(file, ec)) return Error{file.string() + " exists; a backup never replaces a file. Choose a new name"};
        const fs::path partial = file.string() + ".partial";
        fs::remove(partial, ec);  // left by a backup that was interrupted
        auto report = writeBackup(dir, file, partial);
        if (!report) fs::remove(partial, ec);
        return report;
    } catch (const std::exception& e) {
        return Error{file.string() + ": " + e.what()};
    }
}

Result<BackupReport> restoreDataDir(const fs::path& file, const DataDir& dir) {
    try {
        std::error_code ec;
        if (!fs::exists(file, ec)) return Error{file.string() + ": no such file"};
        if (!isEmptyOrAbsent(dir.root)) {
            return Error{dir.root.string() + " is not empty; a restore never overwrites a data folder. Restore into a new folder, "
                         "or move this one away first"};
        }
        const bool existed = fs::exists(dir.root, ec);
        auto report = writeRestore(file, dir);
        if (!report) {
            // Only what this restore made goes; the folder it was given stays.
            for (const auto& entry : fs::directory_iterator(dir.root, ec)) fs::remove_all(entry.path(), ec);
            if (!existed) fs::remove(dir.root, ec);
        }
        return report;
    } catch (const std::exception& e) {
        return Error{dir.root.string() + ": " + e.what()};
    }
}

}  // namespace svarboks::server
