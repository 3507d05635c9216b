#include "svarboks/shared/files.hpp"

#include <fcntl.h>
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
        if (written < 0) {
            if (errno == EINTR) continue;
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

Status writeAtomically(const fs::path& file, std::string_view bytes) {
    const fs::path dir = file.parent_path().empty() ? fs::path(".") : file.parent_path();
    std::string temp = (dir / ("." + file.filename().string() + ".tmp-XXXXXX")).string();
    FileDescriptor fd(::mkstemp(temp.data()));  // mode 0600 from its creation
    if (!fd.valid()) return Error{file.string() + ": cannot write: " + systemMessage(errno)};
    const auto fail = [&](const std::string& what) {
        const int error = errno;
        ::unlink(temp.c_str());
        return Error{file.string() + ": cannot " + what + ": " + systemMessage(error)};
    };
    if (!writeAll(fd.get(), bytes)) return fail("write");
    if (::fsync(fd.get()) != 0) return fail("sync");
    if (!fd.close()) return fail("close");
    if (::rename(temp.c_str(), file.c_str()) != 0) return fail("rename");
    if (const int error = syncDirectory(dir); error != 0) {
        return Error{file.string() + ": was replaced, but its folder cannot be synced: " + systemMessage(error)};
    }
    return {};
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
