#pragma once
// What the uploader tells the admin: a plain SyncStatus, copied out of the uploader under its mutex, and the
// days it keeps (no time of day: the time of a delivery says roughly when the responses in it were given).
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace svarboks::sync {

using WallTime = std::chrono::system_clock::time_point;  ///< only shown to the admin, never stored

/// A day on the kiosk's local calendar: all that is kept of when the device synced.
using LocalDay = std::chrono::local_days;
/// The local day of `time`.
[[nodiscard]] LocalDay localDayOf(WallTime time);
/// "2026-11-23".
[[nodiscard]] std::string isoDay(LocalDay day);
/// "2026-11-23" as a LocalDay; a version 1 sync-state.json's exact UTC time ("2026-11-23T14:05:00Z") is read
/// as its local day. nullopt for anything else.
[[nodiscard]] std::optional<LocalDay> parseDay(const nlohmann::json& value);

/// What the admin sees. Plain data.
struct SyncStatus {
    enum class State { Idle, Sending, Waiting, Paused };
    State state = State::Idle;
    std::int64_t pending = 0;
    std::int64_t quarantined = 0;
    std::int64_t held = 0;                ///< held on the kiosk, not sent until an admin releases them (outbox.hpp)
    std::optional<LocalDay> lastAttempt;  ///< the day of the last request to the server (no time of day)
    bool lastAttemptOk = false;
    std::string lastResult;               ///< one line, e.g. "delivered 3 (2 accepted, 1 duplicate)", "server said 503"
    std::optional<LocalDay> lastSuccess;  ///< the day the server last answered as PROTOCOL.md says (no time of day)
    std::optional<WallTime> nextAttempt;  ///< the next automatic pass; empty while paused or idle with no timer
    std::optional<WallTime> plannedSend;  ///< when the send schedule sends what is pending; never stored
    std::string waitReason;               ///< while Waiting: "server said 503", "no connection: ..."
    std::string pausedReason;             ///< while Paused, e.g. "the server refused the token (401); re-enrol"
    std::string surveyNote;               ///< a survey update problem ("" when there is none)
    std::string localError;               ///< outbox or state-file trouble on this device ("" when there is none)
};

/// The status in plain words, one line, as the admin screen and `svarboks status` show it, e.g.
/// "last success today, 3 pending, sent in 35 min (send schedule)", "paused: the server refused the token
/// (401); re-enrol", "waiting: next try in 4 min (server said 503), 3 pending". Days are local.
[[nodiscard]] std::string describe(const SyncStatus& status, WallTime now);
/// The status for `svarboks status --json`: days as "2026-11-23", times as UTC ISO-8601
/// ("2026-11-23T14:05:00Z"), or null.
[[nodiscard]] nlohmann::json toJson(const SyncStatus& status);
/// "today", "yesterday" or "2026-11-23": `day` as seen on the local day of `now`.
[[nodiscard]] std::string formatDay(LocalDay day, WallTime now);

}  // namespace svarboks::sync
