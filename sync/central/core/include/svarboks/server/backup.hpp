#pragma once
// A backup of a central data folder in one file, made while the server runs, and its restore.
//
// The file is a SQLite database: a consistent snapshot of the store (VACUUM INTO, one read transaction,
// so ingest goes on meanwhile), plus the folder's keys and certificate in a table of their own. Without
// the secret key, answers that kiosks sealed and have not sent yet could never be opened: a backup of the
// store alone would lose them. The file is therefore as secret as the server (mode 0600).
//
// A backup is checked before it is reported made: SQLite's integrity check, the keys, and the count of
// responses read back from the file. A restore makes a new data folder (it never overwrites one) and
// checks it the same way.
#include "svarboks/server/data_dir.hpp"
#include "svarboks/shared/result.hpp"

#include <cstdint>
#include <filesystem>
#include <string>

namespace svarboks::server {

struct BackupReport {
    std::int64_t responses = 0;  ///< stored in the backup (read back from the file)
    std::int64_t bytes = 0;      ///< the file's size
    std::string sha256;          ///< of the whole file, to compare copies of it
};

/// Writes a backup of `dir` to `file` (which must not exist): a temporary file beside it, mode 0600 from
/// creation, checked, synced, then renamed. Never throws.
[[nodiscard]] shared::Result<BackupReport> backupDataDir(const DataDir& dir, const std::filesystem::path& file);

/// Makes the data folder `dir` (which must not exist, or be empty) from a backup file, with the modes
/// `init` gives, and checks it: integrity, the key pair, the count of responses. Never throws.
[[nodiscard]] shared::Result<BackupReport> restoreDataDir(const std::filesystem::path& file, const DataDir& dir);

}  // namespace svarboks::server
