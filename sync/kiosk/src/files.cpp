#include "svarboks/sync/files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <system_error>
#include <utility>

namespace svarboks::sync {

namespace fs = std::filesystem;

namespace {

std::string systemMessage(int error) { return std::error_code(error, std::generic_category()).message(); }

class Descriptor {
public:
    explicit Descriptor(int fd) : m_fd(fd) {}
    Descriptor(const Descriptor&) = delete;
    Descriptor& operator=(const Descriptor&) = delete;
    ~Descriptor() {
        if (m_fd >= 0) ::close(m_fd);
    }
    [[nodiscard]] int get() const { return m_fd; }
    [[nodiscard]] bool close() { return ::close(std::exchange(m_fd, -1)) == 0; }

private:
    int m_fd;
};

}  // namespace

shared::Result<std::optional<std::string>> readSmallFile(const fs::path& file, std::uintmax_t limit) {
    std::error_code ec;
    if (!fs::exists(file, ec)) return std::optional<std::string>();
    const auto size = fs::file_size(file, ec);
    if (ec) return shared::Error{file.string() + ": cannot read: " + ec.message()};
    if (size > limit) return shared::Error{file.string() + ": " + std::to_string(size) + " bytes, more than expected"};
    std::ifstream in(file, std::ios::binary);
    if (!in) return shared::Error{file.string() + ": cannot open"};
    std::ostringstream text;
    text << in.rdbuf();
    return std::optional<std::string>(text.str());
}

// Temp file in the same folder, fsync, rename, fsync of the folder: readers see the old or the new file.
shared::Status writeAtomically(const fs::path& file, std::string_view bytes) {
    const fs::path dir = file.parent_path().empty() ? fs::path(".") : file.parent_path();
    std::string temp = (dir / ("." + file.filename().string() + ".tmp-XXXXXX")).string();
    Descriptor fd(::mkstemp(temp.data()));
    const auto fail = [&](const std::string& what) {
        const int error = errno;
        ::unlink(temp.c_str());
        return shared::Error{file.string() + ": cannot " + what + ": " + systemMessage(error)};
    };
    if (fd.get() < 0) return shared::Error{file.string() + ": cannot write: " + systemMessage(errno)};
    while (!bytes.empty()) {
        const ssize_t written = ::write(fd.get(), bytes.data(), bytes.size());
        if (written < 0) {
            if (errno == EINTR) continue;
            return fail("write");
        }
        bytes.remove_prefix(static_cast<std::size_t>(written));
    }
    if (::fsync(fd.get()) != 0) return fail("sync");
    if (!fd.close()) return fail("close");
    if (::rename(temp.c_str(), file.c_str()) != 0) return fail("rename");
    Descriptor folder(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (folder.get() >= 0 && ::fsync(folder.get()) != 0 && errno != EINVAL) {
        return shared::Error{file.string() + ": cannot sync its folder: " + systemMessage(errno)};
    }
    return {};
}

}  // namespace svarboks::sync
