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

std::string gibibytes(std::uint64_t bytes) {
    std::ostringstream text;
    text.precision(bytes >= (10ULL << 30) ? 0 : 1);
    text << std::fixed << static_cast<double>(bytes) / (1ULL << 30) << " GiB";
    return text.str();
}

std::string systemZoneName() {
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

}  // namespace

Check diskCheck(const std::filesystem::path& dir) {
    struct statvfs info {};
    if (::statvfs(dir.c_str(), &info) != 0) {
        return {Check::Level::Problem, "disk", "cannot read the free space of " + dir.string(), "check that the folder exists"};
    }
    const std::uint64_t free = static_cast<std::uint64_t>(info.f_bavail) * info.f_frsize;
    const std::string detail = gibibytes(free) + " free for " + dir.string();
    if (free < (256ULL << 20)) return {Check::Level::Problem, "disk", detail, "free space on this disk: under 256 MiB, new answers may not be kept"};
    if (free < (1ULL << 30)) return {Check::Level::Warning, "disk", detail, "free space on this disk soon (under 1 GiB)"};
    return {Check::Level::Ok, "disk", detail, ""};
}

Check timeZoneCheck(std::string zoneName) {
    if (zoneName.empty()) zoneName = systemZoneName();
    if (zoneName == "Europe/Copenhagen") return {Check::Level::Ok, "time zone", zoneName, ""};
    return {Check::Level::Warning, "time zone", zoneName.empty() ? "not set" : zoneName,
            "weeks turn at midnight local time; set Danish time: timedatectl set-timezone Europe/Copenhagen"};
}

Check clockSyncCheck() {
    std::error_code ec;
    // systemd-timesyncd and other clients that tell systemd (timedatectl's "System clock synchronized").
    if (std::filesystem::exists("/run/systemd/timesync/synchronized", ec)) {
        return {Check::Level::Ok, "clock", "kept in step with a time server", ""};
    }
    return {Check::Level::Warning, "clock", "not known to be kept in step with a time server",
            "turn on network time: timedatectl set-ntp true (or check your NTP client)"};
}

Check clockSkewCheck(std::int64_t local, std::int64_t remote, const std::string& remoteName) {
    const std::int64_t skew = local - remote;
    const std::int64_t size = skew < 0 ? -skew : skew;
    const std::string detail = size < 2 ? "agrees with " + remoteName
                                        : std::to_string(size) + " s " + (skew > 0 ? "ahead of " : "behind ") + remoteName;
    if (size > 300) return {Check::Level::Problem, "clock", detail, "set the clock right: timedatectl set-ntp true, or timedatectl set-time"};
    if (size > 60) return {Check::Level::Warning, "clock", detail, "turn on network time: timedatectl set-ntp true"};
    return {Check::Level::Ok, "clock", detail, ""};
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
