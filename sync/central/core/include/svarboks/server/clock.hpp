#pragma once
// Time as the central endpoint uses it: an injected clock, and the only two precisions it ever stores
// (a calendar date for devices, an ISO week for dead letters).
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace svarboks::server {

using TimePoint = std::chrono::system_clock::time_point;

/// The time source; tests inject a fake one. Must be callable from any thread.
using Clock = std::function<TimePoint()>;

/// The real clock.
[[nodiscard]] Clock systemClock();

/// Seconds since the epoch (what the store keeps for expiry times).
[[nodiscard]] std::int64_t unixSeconds(TimePoint time);

/// The local calendar date of `time`, "2026-11-23".
[[nodiscard]] std::string localDate(TimePoint time);

/// The local ISO week of `time`, "2026-W48".
[[nodiscard]] std::string localWeek(TimePoint time);

/// UTC to the second, "2026-12-06T14:03:00Z": the time of an audit entry (the audit log is about accounts,
/// never respondents).
[[nodiscard]] std::string utcSecond(TimePoint time);

/// The local date and time to the minute, "2026-11-30 17:04", for messages to the admin.
[[nodiscard]] std::string localMinute(TimePoint time);

}  // namespace svarboks::server
