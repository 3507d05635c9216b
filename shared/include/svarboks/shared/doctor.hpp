#pragma once
// What `svarboks doctor` and `svarboks-central doctor` report: one line per check, each with what to do
// when it is not fine. Written for IT staff: the action is a command or a concrete step, never a code.
#include <cstdint>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

namespace svarboks::shared {

struct Check {
    enum class Level { Ok, Warning, Problem };
    Level level = Level::Ok;
    std::string name;    ///< "clock", "disk", "TLS certificate", ...
    std::string detail;  ///< what was found: "42 GiB free", "expires in 12 days (2027-01-01)"
    std::string action;  ///< what to do; empty when the check is fine
};

/// Free space where `dir` is: a problem under 256 MiB, a warning under 1 GiB.
[[nodiscard]] Check diskCheck(const std::filesystem::path& dir);

/// The time zone: ISO weeks (the period of every response) turn at local midnight on Sunday, so a device
/// must be in Danish time; a warning for any other zone. `zoneName` is what /etc/localtime names ("" =
/// read it from the system).
[[nodiscard]] Check timeZoneCheck(std::string zoneName = "");

/// Whether the system clock is kept in step with a time server (systemd-timesyncd or another NTP client,
/// as `timedatectl` reports it): a warning when it is not known to be.
[[nodiscard]] Check clockSyncCheck();

/// The local clock against another's (the central endpoint's HTTP Date header), both unix seconds: a
/// problem beyond 5 minutes, a warning beyond 1 minute.
[[nodiscard]] Check clockSkewCheck(std::int64_t local, std::int64_t remote, const std::string& remoteName);

/// Prints the checks as aligned lines ("ok       disk: 42 GiB free"), each action indented under its line,
/// and returns the exit status: 0 when every check is fine, 1 when any is a problem, 0 for warnings only.
int printChecks(const std::vector<Check>& checks, std::ostream& out);

}  // namespace svarboks::shared
