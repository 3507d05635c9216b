#pragma once
// What `svarboks doctor` and `svarboks-central doctor` report: one line per check, each with what to do
// when it is not fine. Written for IT staff: the action is a command or a concrete step, never a code.
//
// The measurements and their limits are here once; the words are each product's: the central's checks in
// English below, the kiosk's in its own language from assets/ui/texts.json (client/kiosk_doctor.hpp).
#include <cstdint>
#include <filesystem>
#include <optional>
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

/// The bytes free for an unprivileged user where `dir` is (statvfs); nullopt when they cannot be read.
[[nodiscard]] std::optional<std::uint64_t> freeDiskBytes(const std::filesystem::path& dir);
/// A problem under 256 MiB free (new answers may not be kept), a warning under 1 GiB.
[[nodiscard]] Check::Level diskLevel(std::uint64_t freeBytes);
/// "42 GiB", "0.8 GiB".
[[nodiscard]] std::string gibibytes(std::uint64_t bytes);

/// The zone every device must be in: ISO weeks (the period of every response) turn at local midnight on Sunday.
inline constexpr const char* kDanishTimeZone = "Europe/Copenhagen";
/// The system's time zone as /etc/localtime (else /etc/timezone) names it; "" when none is set.
[[nodiscard]] std::string systemTimeZone();

/// Whether the system clock is kept in step with a time server (systemd-timesyncd or another NTP client
/// that tells systemd, as `timedatectl` reports it).
[[nodiscard]] bool clockKeptInStep();

/// How far apart two clocks may be, in seconds (the local one against the central endpoint's HTTP Date):
/// a warning beyond 1 minute (a clock kept by NTP is within a second; this one is not kept, and answers
/// given in the last minute of a week may count in the next), a problem beyond 5 minutes.
[[nodiscard]] Check::Level clockSkewLevel(std::int64_t skewSeconds);

/// Free space where `dir` is, at diskLevel().
[[nodiscard]] Check diskCheck(const std::filesystem::path& dir);

/// The time zone: a warning for any zone but kDanishTimeZone. `zoneName` "" = systemTimeZone().
[[nodiscard]] Check timeZoneCheck(std::string zoneName = "");

/// A warning when the clock is not known to be kept in step with a time server (clockKeptInStep()).
[[nodiscard]] Check clockSyncCheck();

/// Prints the checks as aligned lines ("ok       disk: 42 GiB free"), each action indented under its line,
/// and returns the exit status: 0 when every check is fine, 1 when any is a problem, 0 for warnings only.
int printChecks(const std::vector<Check>& checks, std::ostream& out);

}  // namespace svarboks::shared
