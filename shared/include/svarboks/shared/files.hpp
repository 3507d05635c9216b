#pragma once
// Durable files, one behaviour everywhere (the kiosk's outbox, config, state files and PIN lock; the
// central's store, keys and exports): what "written" means is the product's promise that nothing accepted
// is lost, so it lives here once.
//
// - A file written whole is replaced atomically: a temp file in the same folder, mode 0600 from its
//   creation, fsync, rename, fsync of the folder. A reader, or a power cut, sees the old or the new file.
// - A folder that cannot be synced is a failure, except on a file system that has nothing to sync (EINVAL).
// - Files that hold respondents' data or secrets are the owner's alone (0600), their SQLite -wal and -shm too.
#include "svarboks/shared/result.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace svarboks::shared {

/// "No space left on device" for an errno value.
[[nodiscard]] std::string systemMessage(int error);

/// Owns a file descriptor; closes it unless close() was called.
class FileDescriptor {
public:
    explicit FileDescriptor(int fd) : m_fd(fd) {}
    FileDescriptor(FileDescriptor&& other) noexcept : m_fd(other.m_fd) { other.m_fd = -1; }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    ~FileDescriptor();
    [[nodiscard]] int get() const { return m_fd; }
    [[nodiscard]] bool valid() const { return m_fd >= 0; }
    /// Closes now and says whether the kernel accepted it (close can report a deferred write error).
    [[nodiscard]] bool close();

private:
    int m_fd;
};

/// Writes all of `bytes` to `fd` (retrying after signals). False with errno set on failure.
[[nodiscard]] bool writeAll(int fd, std::string_view bytes);

/// fsync of a folder, so that a file created or renamed in it survives a power cut. 0, or the errno;
/// a file system that cannot sync folders (EINVAL) has nothing to sync and gives 0.
[[nodiscard]] int syncDirectory(const std::filesystem::path& dir);

/// A new version of `file` written in pieces, then put in place atomically (see above): create() makes a
/// hidden temp file beside it (".NAME.XXXXXX.partial", mode 0600), write() adds to it, commit() syncs it,
/// renames it over `file` and syncs the folder. Dropped without a commit, it deletes the temp file and
/// `file` stays as it was. Errors name `file`: "FILE: cannot create a file in FOLDER: reason", "FILE: cannot
/// write: reason", "FILE: cannot sync: reason", "FILE: cannot replace it: reason", and, once the new file is
/// in place, "FILE: was written, but its folder cannot be synced: reason". One thread at a time.
class AtomicFile {
public:
    /// Creates the temp file; the folder must exist.
    [[nodiscard]] static Result<AtomicFile> create(const std::filesystem::path& file);
    AtomicFile(AtomicFile&& other) noexcept;
    AtomicFile& operator=(AtomicFile&&) = delete;
    ~AtomicFile();

    /// The temp file's descriptor, for hints such as sync_file_range; the bytes go through write().
    [[nodiscard]] int fd() const { return m_fd.get(); }
    /// Appends `bytes` to the temp file.
    [[nodiscard]] Status write(std::string_view bytes);
    /// fsync, close, rename over `file`, fsync of the folder.
    [[nodiscard]] Status commit();
    /// True once commit() has put the new file in place, even if it could not sync the folder after.
    [[nodiscard]] bool committed() const { return m_committed; }

private:
    AtomicFile(std::filesystem::path file, std::string temp, int fd);

    std::filesystem::path m_file;
    std::string m_temp;  // empty when there is no temp file to delete (committed, or moved from)
    FileDescriptor m_fd;
    bool m_committed = false;
};

/// Replaces `file` atomically with `bytes`, through an AtomicFile (its errors).
[[nodiscard]] Status writeAtomically(const std::filesystem::path& file, std::string_view bytes);

/// Creates `file` with `mode` from its creation (never another mode, even for a moment) and `bytes`, synced
/// before it counts as written. Fails when the file exists: keys and backups are never overwritten. The
/// folder is not synced (the caller syncs it once after its last file). Errors: "FILE: cannot create: reason",
/// "FILE: cannot write: reason".
[[nodiscard]] Status writeNewFile(const std::filesystem::path& file, std::string_view bytes, unsigned mode);

/// Reads a small file whole; nullopt when it does not exist. An error names the file: it cannot be read,
/// or it is larger than `limit` bytes.
[[nodiscard]] Result<std::optional<std::string>> readSmallFile(const std::filesystem::path& file, std::uintmax_t limit);

/// Makes a SQLite database private before SQLite opens it: created empty with mode 0600 when `create`
/// (SQLite gives its -wal and -shm files the database's mode), and set to 0600 with its -wal and -shm when
/// they exist (a file made by an older version). Another user's file is left as it is (opening it then
/// says whether it can be written). An error only when a mode cannot be set for another reason.
[[nodiscard]] Status makeDatabasePrivate(const std::filesystem::path& database, bool create);

}  // namespace svarboks::shared
