#include "svarboks/shared/files.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <system_error>
#include <utility>

namespace svarboks::shared {

namespace fs = std::filesystem;

std::string systemMessage(int error) { return std::error_code(error, std::generic_category()).message(); }

FileDescriptor::~FileDescriptor() {
    if (m_fd >= 0) ::close(m_fd);
}

bool FileDescriptor::close() { return ::close(std::exchange(m_fd, -1)) == 0; }

bool writeAll(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t written = ::write(fd, bytes.data(), bytes.size());
        if (written < 0 && errno == EINTR) continue;
        if (written <= 0) {
            if (written == 0) errno = EIO;  // no progress and no reason: do not spin
            return false;
        }
        bytes.remove_prefix(static_cast<std::size_t>(written));
    }
    return true;
}

int syncDirectory(const fs::path& dir) {
    const FileDescriptor fd(::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd.valid()) return errno;
    if (::fsync(fd.get()) != 0 && errno != EINVAL) return errno;
    return 0;
}

Status writeNewFile(const fs::path& file, std::string_view bytes, unsigned mode) {
    FileDescriptor fd(::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, static_cast<mode_t>(mode)));
    if (!fd.valid()) return Error{file.string() + ": cannot create: " + systemMessage(errno)};
    if (!writeAll(fd.get(), bytes) || ::fsync(fd.get()) != 0 || !fd.close()) {
        return Error{file.string() + ": cannot write: " + systemMessage(errno)};
    }
    return {};
}

namespace {

constexpr std::string_view kTempSuffix = ".partial";

fs::path folderOf(const fs::path& file) { return file.parent_path().empty() ? fs::path(".") : file.parent_path(); }

}  // namespace

AtomicFile::AtomicFile(fs::path file, std::string temp, int fd) : m_file(std::move(file)), m_temp(std::move(temp)), m_fd(fd) {}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : m_file(std::move(other.m_file)),
      m_temp(std::exchange(other.m_temp, {})),
      m_fd(std::move(other.m_fd)),
      m_committed(other.m_committed) {}

AtomicFile::~AtomicFile() {
    if (!m_temp.empty()) ::unlink(m_temp.c_str());
}

Result<AtomicFile> AtomicFile::create(const fs::path& file) {
    const fs::path folder = folderOf(file);
    std::string temp = (folder / ("." + file.filename().string() + ".XXXXXX" + std::string(kTempSuffix))).string();
    const int fd = ::mkostemps(temp.data(), static_cast<int>(kTempSuffix.size()), O_CLOEXEC);  // mode 0600 from its creation
    if (fd < 0) {
        const int error = errno;
        return Error{file.string() + ": cannot create a file in " + folder.string() + ": " + systemMessage(error)};
    }
    return AtomicFile(file, std::move(temp), fd);
}

Status AtomicFile::write(std::string_view bytes) {
    if (writeAll(m_fd.get(), bytes)) return {};
    const int error = errno;
    return Error{m_file.string() + ": cannot write: " + systemMessage(error)};
}

Status AtomicFile::commit() {
    const auto failed = [&](const char* what) {
        const int error = errno;
        return Error{m_file.string() + ": cannot " + what + ": " + systemMessage(error)};
    };
    if (::fsync(m_fd.get()) != 0) return failed("sync");
    if (!m_fd.close()) return failed("write");  // close reports a write error the kernel deferred
    if (::rename(m_temp.c_str(), m_file.c_str()) != 0) return failed("replace it");
    m_temp.clear();
    m_committed = true;
    if (const int error = syncDirectory(folderOf(m_file)); error != 0) {
        return Error{m_file.string() + ": was written, but its folder cannot be synced: " + systemMessage(error)};
    }
    return {};
}

Status writeAtomically(const fs::path& file, std::string_view bytes) {
    auto out = AtomicFile::create(file);
    if (!out) return out.error();
    if (auto written = out->write(bytes); !written) return written;
    return out->commit();
}

Result<std::optional<std::string>> readSmallFile(const fs::path& file, std::uintmax_t limit) {
    std::error_code ec;
    if (!fs::exists(file, ec)) return std::optional<std::string>();
    const auto size = fs::file_size(file, ec);
    if (ec) return Error{file.string() + ": cannot read: " + ec.message()};
    if (size > limit) return Error{file.string() + ": " + std::to_string(size) + " bytes, more than expected"};
    std::ifstream in(file, std::ios::binary);
    if (!in) return Error{file.string() + ": cannot open"};
    std::ostringstream text;
    text << in.rdbuf();
    return std::optional<std::string>(text.str());
}

Status makeDatabasePrivate(const fs::path& database, bool create) {
    if (create) {
        const FileDescriptor fd(::open(database.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
        // EEXIST: made meanwhile; ENOENT: no folder, which opening it reports.
        if (!fd.valid() && errno != EEXIST && errno != ENOENT) return Error{database.string() + ": cannot create: " + systemMessage(errno)};
    }
    for (const char* suffix : {"", "-wal", "-shm"}) {
        const std::string file = database.string() + suffix;
        if (::chmod(file.c_str(), 0600) != 0 && errno != ENOENT && errno != EPERM) {
            return Error{file + ": cannot make it private (mode 0600): " + systemMessage(errno)};
        }
    }
    return {};
}

}  // namespace svarboks::shared
