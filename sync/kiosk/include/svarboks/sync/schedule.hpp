#pragma once
// When the uploader sends and retries: backoff, Retry-After, the send schedule and the timer. Pure: no clock,
// no randomness and no I/O of its own; every function is given the time and the random draw, so the policy is
// tested without sleeping.
//
// The send schedule: the moment a batch arrives must not tell when someone answered, so new responses are
// not sent right after they are committed. A commit plans the next automatic send a random delay later
// (send_delay_min_minutes to send_delay_max_minutes, uniform); later commits join that send. Automatic passes
// before it do not send responses. Sync now sends at once.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

namespace svarboks::sync {

using SteadyTime = std::chrono::steady_clock::time_point;  ///< schedules waits: immune to clock changes

inline constexpr std::chrono::seconds kBackoffBase{5};
inline constexpr std::chrono::seconds kBackoffCap{15 * 60};  ///< PROTOCOL.md: cap 15 minutes
inline constexpr std::chrono::seconds kBackoffFloor{1};      ///< never retry sooner, whatever the jitter draws
inline constexpr std::chrono::seconds kMaxRetryAfter{60 * 60};  ///< a longer Retry-After is taken as one hour

/// The ceiling of the wait after `failures` (>= 1) consecutive failures: min(cap, base * 2^(failures - 1)).
[[nodiscard]] std::chrono::milliseconds backoffCeiling(int failures);
/// Exponential backoff with full jitter: `random01` (in [0, 1)) times the ceiling, at least kBackoffFloor.
[[nodiscard]] std::chrono::milliseconds backoffDelay(int failures, double random01);
/// A Retry-After value in seconds (PROTOCOL.md), capped at kMaxRetryAfter; nullopt when it is not a number
/// of seconds (then the normal backoff applies).
[[nodiscard]] std::optional<std::chrono::seconds> parseRetryAfter(std::string_view value);

/// The send schedule's delay: uniform in [min, max], in whole seconds, drawn with `randomBelow` (uniform in
/// [0, bound) for bound >= 1). min > max is taken as min.
[[nodiscard]] std::chrono::seconds drawSendDelay(std::chrono::minutes min, std::chrono::minutes max,
                                                 const std::function<std::uint32_t(std::uint32_t)>& randomBelow);

/// The timing state of one sync session: the planned send, the backoff and the timer. Plain data with pure
/// functions; not thread-safe (the session's thread owns it).
class SyncSchedule {
public:
    /// The timer starts due at `now`: the first automatic pass runs at once.
    explicit SyncSchedule(SteadyTime now) : m_nextTimer(now) {}

    /// True when new responses need a send planned: none is planned, or the planned one is due or past (a
    /// backlog waiting for its backoff), so that no automatic send follows a commit closely. A send planned
    /// for later takes them along.
    [[nodiscard]] bool needsPlan(SteadyTime now) const { return !m_sendAt || *m_sendAt <= now; }
    /// Plans the send `delay` after `now`.
    void planSend(SteadyTime now, std::chrono::seconds delay) { m_sendAt = now + delay; }
    /// Everything pending went: nothing is planned until the next commit.
    void sent() { m_sendAt.reset(); }
    [[nodiscard]] std::optional<SteadyTime> plannedSend() const { return m_sendAt; }

    /// A failed attempt: wait `retryAfter` (at least kBackoffFloor) when the server asked for it, else the
    /// backoff for one more consecutive failure with jitter `random01`.
    void failed(SteadyTime now, std::optional<std::chrono::seconds> retryAfter, double random01);
    /// The server confirmed a batch: the next failure starts the backoff afresh.
    void succeeded() { m_failures = 0; }
    /// Sync now, a pause or a pass that starts: no backoff runs.
    void clearBackoff() { m_backoffUntil.reset(); }
    [[nodiscard]] bool backingOff(SteadyTime now) const { return m_backoffUntil && now < *m_backoffUntil; }
    /// True after a failure until clearBackoff(), also once the wait is over.
    [[nodiscard]] bool hasBackoff() const { return m_backoffUntil.has_value(); }

    /// A pass went well: the timer is due `interval` after `now`.
    void restartTimer(SteadyTime now, std::chrono::seconds interval) { m_nextTimer = now + interval; }

    /// When the next automatic pass is due: the planned send, the end of a backoff (not before the planned
    /// send), or the timer, whichever the rules say. nullopt while paused.
    [[nodiscard]] std::optional<SteadyTime> nextAutomaticPass(bool paused) const;

private:
    int m_failures = 0;
    std::optional<SteadyTime> m_backoffUntil;
    std::optional<SteadyTime> m_sendAt;
    SteadyTime m_nextTimer;
};

}  // namespace svarboks::sync
