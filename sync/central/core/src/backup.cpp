#include "svarboks/server/backup.hpp"

#include "svarboks/server/sqlite_storage.hpp"
#include "svarboks/shared/files.hpp"
#include "svarboks/shared/sqlite.hpp"

#include <sodium.h>
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

namespace sqlite = shared::sqlite;

// The store, a backup or its partial copy, as one connection (no schema: a backup file is not a store).
// A backup being restored is only read: it may sit on read-only media.
Result<sqlite::Database> openFile(const fs::path& path, const char* name, bool readOnly = false) {
    std::error_code ec;
    if (!fs::exists(path, ec)) return Error{path.string() + ": no such file"};
    sqlite::Options options;
    options.name = name;
    options.owner = "the central endpoint's user";
    options.busyTimeoutMs = SqliteStorage::kBusyTimeoutMs;
    options.readOnly = readOnly;
    return sqlite::Database::open(path, options);
}

// VACUUM INTO: a consistent, compact copy in one read transaction; `into` must be empty or absent.
Status vacuumInto(sqlite::Database& db, const fs::path& into) {
    const std::string target = into.string();
    if (!db.query("VACUUM INTO ?1").text(1, target).run()) return db.error("cannot copy to " + target);
    return {};
}

Result<std::int64_t> countRows(sqlite::Database& db, const std::string& table) {
    auto count = db.query("SELECT count(*) FROM " + table);
    if (count.step() != sqlite::Step::Row) return db.error("cannot count " + table);
    return count.integerAt(0);
}

Status checkIntegrity(sqlite::Database& db) {
    auto report = db.integrityCheck();
    if (!report) return report.error();
    if (*report != "ok") return Error{db.prefix() + "damaged (integrity check: " + *report + ")"};
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
Status addKeptFiles(sqlite::Database& db, const DataDir& dir, std::int64_t responses) {
    return sqlite::inWriteTransaction(db, "cannot add the keys", [&](sqlite::Database& copy) -> Status {
        if (!copy.exec("CREATE TABLE svarboks_backup_files(name TEXT PRIMARY KEY, mode INTEGER NOT NULL, bytes BLOB NOT NULL);"
                       "CREATE TABLE svarboks_backup_info(responses INTEGER NOT NULL)")) {
            return copy.error("cannot add the keys");
        }
        for (const auto& kept : kKeptFiles) {
            auto bytes = shared::readSmallFile(dir.root / kept.name, 1 << 20);
            if (!bytes) return bytes.error();
            if (!*bytes) return Error{(dir.root / kept.name).string() + ": missing; the data folder is incomplete"};
            const bool added = copy.query("INSERT INTO svarboks_backup_files(name, mode, bytes) VALUES(?1, ?2, ?3)")
                                   .text(1, kept.name)
                                   .integer(2, kept.mode)
                                   .blob(3, std::string_view((*bytes)->data(), (*bytes)->size()))
                                   .run();
            sodium_memzero((*bytes)->data(), (*bytes)->size());
            if (!added) return copy.error("cannot add " + kept.name);
        }
        if (!copy.query("INSERT INTO svarboks_backup_info(responses) VALUES(?1)").integer(1, responses).run()) {
            return copy.error("cannot add the summary");
        }
        return {};
    });
}

Result<std::int64_t> recordedResponses(sqlite::Database& db) {
    auto info = db.query("SELECT responses FROM svarboks_backup_info");
    const sqlite::Step step = info.step();
    if (step == sqlite::Step::Failed) return Error{db.prefix() + "not a Svarboks backup (" + db.describe() + ")"};
    if (step != sqlite::Step::Row) return Error{db.prefix() + "not a Svarboks backup (no summary)"};
    return info.integerAt(0);
}

// The backup, checked: undamaged, every kept file present, and as many responses as it says it holds.
Result<std::int64_t> checkBackup(sqlite::Database& db) {
    if (auto intact = checkIntegrity(db); !intact) return Error{intact.message()};
    auto recorded = recordedResponses(db);
    if (!recorded) return recorded.error();
    auto counted = countRows(db, "responses");
    if (!counted) return counted.error();
    if (*counted != *recorded) {
        return Error{db.prefix() + "holds " + std::to_string(*counted) + " responses but recorded " + std::to_string(*recorded)};
    }
    auto files = countRows(db, "svarboks_backup_files");
    if (!files) return files.error();
    if (*files != static_cast<std::int64_t>(kKeptFiles.size())) return Error{db.prefix() + "the keys or the certificate are missing"};
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
        auto store = openFile(dir.store(), "store");
        if (!store) return store.error();
        if (auto created = shared::writeNewFile(partial, "", 0600); !created) return Error{created.message()};
        if (auto copied = vacuumInto(*store, partial); !copied) return Error{copied.message()};
    }
    {
        auto copy = openFile(partial, "backup");
        if (!copy) return copy.error();
        auto counted = countRows(*copy, "responses");
        if (!counted) return counted.error();
        responses = *counted;
        if (auto added = addKeptFiles(*copy, dir, responses); !added) return Error{added.message()};
        if (auto checked = checkBackup(*copy); !checked) return checked.error();
    }
    if (auto synced = syncFile(partial); !synced) return Error{synced.message()};
    // link() refuses an existing target, so a backup never replaces a file, even one made meanwhile.
    if (::link(partial.c_str(), file.c_str()) != 0) return Error{file.string() + ": cannot create: " + systemMessage(errno)};
    fs::remove(partial);
    if (auto synced = syncFolder(file.parent_path().empty() ? fs::path(".") : file.parent_path()); !synced) return Error{synced.message()};
    return reportOn(file, responses);
}

Result<BackupReport> writeRestore(const fs::path& file, const DataDir& dir) {
    auto backup = openFile(file, "backup", true);
    if (!backup) return backup.error();
    auto responses = checkBackup(*backup);
    if (!responses) return responses.error();

    std::error_code ec;
    fs::create_directories(dir.tlsCert().parent_path(), ec);
    if (ec) return Error{dir.root.string() + ": cannot create: " + ec.message()};
    fs::permissions(dir.root, fs::perms::owner_all, ec);
    fs::permissions(dir.tlsCert().parent_path(), fs::perms::owner_all, ec);

    auto files = backup->query("SELECT name, mode, bytes FROM svarboks_backup_files");
    Status written;
    const bool read = files.each([&] {
        const std::string name = files.textAt(0);
        const bool known = std::any_of(kKeptFiles.begin(), kKeptFiles.end(), [&](const KeptFile& kept) { return kept.name == name; });
        if (!known) {
            written = Error{file.string() + ": holds an unexpected file '" + name + "'"};
            return false;
        }
        std::string bytes = files.blobAt(2);
        written = shared::writeAtomically(dir.root / name, bytes);
        sodium_memzero(bytes.data(), bytes.size());
        if (!written) return false;
        fs::permissions(dir.root / name, static_cast<fs::perms>(files.integerAt(1)), ec);
        return true;
    });
    if (!written) return Error{written.message()};
    if (!read) return backup->error("cannot read the kept files");
    if (auto made = shared::writeNewFile(dir.store(), "", 0600); !made) return Error{made.message()};
    if (auto copied = vacuumInto(*backup, dir.store()); !copied) return Error{copied.message()};
    {
        // The keys must not stay in the store's free pages: drop them, then rewrite the file.
        auto store = openFile(dir.store(), "store");
        if (!store) return store.error();
        if (!store->exec("DROP TABLE svarboks_backup_files; DROP TABLE svarboks_backup_info; VACUUM")) {
            return store->error("cannot drop the keys from the restored store");
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

namespace {

constexpr const char* kNotForPostgres =
    "backup and restore copy the SQLite store of a data folder; a PostgreSQL store is backed up with PostgreSQL's own tools "
    "(pg_dump -Fc, or pg_basebackup with WAL archiving; docs/central.md), and the data folder's keys and certificate as files";

}  // namespace

Result<BackupReport> backupDataDir(const DataDir& dir, const fs::path& file) {
    if (!dir.database.empty()) return Error{kNotForPostgres};
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
    if (!dir.database.empty()) return Error{kNotForPostgres};
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
