#include "svarboks/shared/doctor.hpp"

#include <sys/statvfs.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace svarboks::shared {

namespace {

const char* label(Check::Level level) {
    switch (level) {
        case Check::Level::Ok: return "ok      ";
        case Check::Level::Warning: return "warning ";
        case Check::Level::Problem: return "PROBLEM ";
    }
    return "";
}

}  // namespace

std::optional<std::uint64_t> freeDiskBytes(const std::filesystem::path& dir) {
    struct statvfs info {};
    if (::statvfs(dir.c_str(), &info) != 0) return std::nullopt;
    return static_cast<std::uint64_t>(info.f_bavail) * info.f_frsize;
}

Check::Level diskLevel(std::uint64_t freeBytes) {
    if (freeBytes < (256ULL << 20)) return Check::Level::Problem;
    if (freeBytes < (1ULL << 30)) return Check::Level::Warning;
    return Check::Level::Ok;
}

std::string gibibytes(std::uint64_t bytes) {
    std::ostringstream text;
    text.precision(bytes >= (10ULL << 30) ? 0 : 1);
    text << std::fixed << static_cast<double>(bytes) / (1ULL << 30) << " GiB";
    return text.str();
}

std::string systemTimeZone() {
    std::error_code ec;
    const auto target = std::filesystem::read_symlink("/etc/localtime", ec);
    if (!ec) {
        const std::string text = target.string();
        if (const auto at = text.find("zoneinfo/"); at != std::string::npos) return text.substr(at + 9);
    }
    std::ifstream file("/etc/timezone");
    std::string name;
    std::getline(file, name);
    return name;
}

bool clockKeptInStep() {
    std::error_code ec;
    // systemd-timesyncd and other clients that tell systemd (timedatectl's "System clock synchronized").
    return std::filesystem::exists("/run/systemd/timesync/synchronized", ec);
}

Check::Level clockSkewLevel(std::int64_t skewSeconds) {
    const std::int64_t size = skewSeconds < 0 ? -skewSeconds : skewSeconds;
    if (size > 300) return Check::Level::Problem;
    if (size > 60) return Check::Level::Warning;
    return Check::Level::Ok;
}

Check diskCheck(const std::filesystem::path& dir) {
    const auto free = freeDiskBytes(dir);
    if (!free) return {Check::Level::Problem, "disk", "cannot read the free space of " + dir.string(), "check that the folder exists"};
    const std::string detail = gibibytes(*free) + " free for " + dir.string();
    switch (diskLevel(*free)) {
        case Check::Level::Problem: return {Check::Level::Problem, "disk", detail, "free space on this disk: under 256 MiB, new answers may not be kept"};
        case Check::Level::Warning: return {Check::Level::Warning, "disk", detail, "free space on this disk soon (under 1 GiB)"};
        case Check::Level::Ok: break;
    }
    return {Check::Level::Ok, "disk", detail, ""};
}

Check timeZoneCheck(std::string zoneName) {
    if (zoneName.empty()) zoneName = systemTimeZone();
    if (zoneName == kDanishTimeZone) return {Check::Level::Ok, "time zone", zoneName, ""};
    return {Check::Level::Warning, "time zone", zoneName.empty() ? "not set" : zoneName,
            "weeks turn at midnight local time; set Danish time: timedatectl set-timezone Europe/Copenhagen"};
}

Check clockSyncCheck() {
    if (clockKeptInStep()) return {Check::Level::Ok, "clock", "kept in step with a time server", ""};
    return {Check::Level::Warning, "clock", "not known to be kept in step with a time server",
            "turn on network time: timedatectl set-ntp true (or check your NTP client)"};
}

int printChecks(const std::vector<Check>& checks, std::ostream& out) {
    for (const auto& check : checks) {
        out << label(check.level) << check.name << ": " << check.detail << '\n';
        if (!check.action.empty()) out << "         -> " << check.action << '\n';
    }
    const bool problem = std::any_of(checks.begin(), checks.end(), [](const Check& c) { return c.level == Check::Level::Problem; });
    return problem ? 1 : 0;
}

}  // namespace svarboks::shared
