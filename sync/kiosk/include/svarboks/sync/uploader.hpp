#pragma once
// The kiosk's uploader: moves sealed responses from the outbox to the central endpoint exactly as
// ../shared/PROTOCOL.md says, and fetches survey updates (GET /api/v1/survey with an ETag).
//
// Two layers:
// - SyncSession: one sync pass at a time, with no thread of its own (what `svarboks sync` runs in the
//   foreground, and what the tests drive with an injected clock and random source, without sleeping).
// - Uploader: one background thread that owns a SyncSession and runs a pass when the send schedule says
//   so, on the sync_interval_seconds timer, on Sync now, and when a backoff ends. It never touches UI
//   state; it publishes a SyncStatus snapshot (mutex-protected) and new surveys through a mailbox, which the
//   UI thread reads without waiting on the network or the disk.
//
// The send schedule: the moment a batch arrives must not tell when someone answered, so new responses are
// not sent right after they are committed. A commit plans the next automatic send a random delay later
// (send_delay_min_minutes to send_delay_max_minutes, uniform, drawn with libsodium's randombytes); later
// commits join that send. Automatic passes before it do not send responses. Sync now sends at once.
//
// Databases and files: the session opens its own Outbox connection (WAL; one connection per thread), which
// only the session's thread uses after start. Next to the outbox it keeps sync-state.json (the day of the last
// attempt, its result, the day of the last success and a pause: no time of day, since the time of a delivery
// says roughly when the responses in it were given)
// and survey-cache.json (the last valid survey from the server with its ETag). Both are written atomically
// with mode 0600 (files.hpp).
//
// What travels: only the batch (protocol, batch_id, response ids and sealed bytes), the bearer token, and
// If-None-Match. Nothing about respondents: no time of completion, no order number.
#include "svarboks/shared/config.hpp"
#include "svarboks/shared/protocol.hpp"
#include "svarboks/shared/result.hpp"
#include "svarboks/shared/survey.hpp"
#include "svarboks/sync/http_client.hpp"
#include "svarboks/sync/outbox.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>

namespace svarboks::sync {

using SteadyTime = std::chrono::steady_clock::time_point;  ///< schedules waits: immune to clock changes
using WallTime = std::chrono::system_clock::time_point;    ///< only shown to the admin and stored in sync-state.json

// ---- backoff ----

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

/// Clocks and randomness, injected so that scheduling and backoff are tested without sleeping. The
/// defaults are the real clocks and a seeded std::mt19937_64.
struct SyncEnvironment {
    std::function<SteadyTime()> steadyNow;
    std::function<WallTime()> wallNow;
    std::function<double()> random01;  ///< uniform in [0, 1): backoff jitter
    /// Uniform in [0, bound) for bound >= 1: the send schedule's delay. Default: libsodium randombytes_uniform.
    std::function<std::uint32_t(std::uint32_t)> randomBelow;
    /// Fills in whatever is empty with the real thing.
    [[nodiscard]] static SyncEnvironment real(SyncEnvironment partial = {});
};

struct UploaderOptions {
    shared::KioskConfig config;       ///< endpoint_url, device_token, ca_file, pinned_public_key, proxy, outbox_file, ...
    std::filesystem::path stateDir;   ///< "" = the outbox's folder
    std::chrono::milliseconds connectTimeout{10'000};
    std::chrono::milliseconds totalTimeout{60'000};
    std::size_t maxBatchResponses = shared::kMaxBatchResponses;
    std::size_t maxBodyBytes = shared::kMaxBodyBytes;  ///< the JSON body before gzip, as the server counts it
    bool checkSurvey = true;          ///< GET /api/v1/survey every sync_interval_seconds
};

/// The send schedule's delay: uniform in [min, max], in whole seconds, drawn with `randomBelow` (as in
/// SyncEnvironment). min > max is taken as min.
[[nodiscard]] std::chrono::seconds drawSendDelay(std::chrono::minutes min, std::chrono::minutes max,
                                                 const std::function<std::uint32_t(std::uint32_t)>& randomBelow);

/// A day on the kiosk's local calendar: all that is kept of when the device synced.
using LocalDay = std::chrono::local_days;
/// The local day of `time`.
[[nodiscard]] LocalDay localDayOf(WallTime time);

/// What the admin sees. Plain data; copied out of the uploader under its mutex.
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

/// Where the uploader keeps its files for this config: the outbox's folder.
[[nodiscard]] std::filesystem::path syncStateDir(const shared::KioskConfig& config);
/// The persisted part of the status (the day of the last attempt and its result, the day of the last
/// success, pause, survey note) from
/// sync-state.json in `stateDir`; an empty status when there is none yet. A pause recorded for another
/// token than `deviceToken` (the kiosk was enrolled again since) is dropped. An unreadable file is an error.
[[nodiscard]] shared::Result<SyncStatus> loadSyncState(const std::filesystem::path& stateDir, const std::string& deviceToken);
/// The survey in survey-cache.json in `stateDir`, if there is one and it is still valid; nullopt otherwise.
[[nodiscard]] std::optional<shared::Survey> loadCachedSurvey(const std::filesystem::path& stateDir);
/// Deletes survey-cache.json in `stateDir` (a new enrolment: the survey of the old one is not the unit's).
/// No file is no error.
[[nodiscard]] shared::Status forgetCachedSurvey(const std::filesystem::path& stateDir);

/// The result of one pass.
struct PassReport {
    enum class Outcome {
        Delivered,     ///< the outbox has nothing pending (some items may have gone to quarantine)
        Scheduled,     ///< an automatic pass before the send schedule's time: nothing was sent
        NotDelivered,  ///< a network failure, a timeout, a reply that was not the server's, a 5xx: backing off
        RetryLater,    ///< 429/503 with Retry-After
        Paused,        ///< 401: automatic sync stopped until Sync now or a new enrolment
        LocalError,    ///< the outbox or a file on this device failed
        Cancelled,     ///< the uploader is stopping
    };
    Outcome outcome = Outcome::Delivered;
    std::string message;  ///< one line for a person
    std::int64_t accepted = 0;
    std::int64_t duplicates = 0;
    std::int64_t rejected = 0;            ///< moved to quarantine with the server's reason
    std::int64_t quarantinedLocally = 0;  ///< too large to ever be sent; quarantined with that reason
    std::int64_t batches = 0;             ///< batch requests that got a reply
};

/// One sync pass at a time, on the caller's thread. Not thread-safe: one thread uses a session.
class SyncSession {
public:
    enum class Trigger {
        Automatic,  ///< send schedule, timer or end of backoff: does nothing while paused; sends only when planned
        Forced,     ///< Sync now and `svarboks sync`: clears a pause and a backoff, sends at once, checks the survey
    };

    /// Opens the outbox and the HTTP client for an enrolled kiosk (endpoint_url and device_token set) and
    /// reads sync-state.json and survey-cache.json. An error says what is missing or which file failed.
    /// Responses already pending get a send planned as if just committed (a restart right after a commit
    /// must not send at once).
    [[nodiscard]] static shared::Result<std::unique_ptr<SyncSession>> open(UploaderOptions options, SyncEnvironment env = {});

    SyncSession(const SyncSession&) = delete;
    SyncSession& operator=(const SyncSession&) = delete;
    ~SyncSession();

    /// Sends batches until the outbox has nothing pending or something fails, then (when due or forced)
    /// checks for a new survey, updates the status, and persists it. Blocks on the network.
    [[nodiscard]] PassReport runPass(Trigger trigger);

    /// New responses were committed (or released from hold): unless a send is planned for later already,
    /// plan one a random delay from now (send_delay_min_minutes to send_delay_max_minutes; both 0: now).
    void responsesCommitted();
    /// When the send schedule sends what is pending; nullopt when nothing is planned.
    [[nodiscard]] std::optional<SteadyTime> plannedSend() const { return m_sendAt; }

    /// When the next automatic pass is due: the planned send, the end of a backoff (not before the planned
    /// send), or the timer. nullopt while paused.
    [[nodiscard]] std::optional<SteadyTime> nextAutomaticPass() const;
    /// True while a backoff or a Retry-After is running at `now`.
    [[nodiscard]] bool backingOff(SteadyTime now) const;
    [[nodiscard]] bool paused() const { return !m_status.pausedReason.empty(); }
    [[nodiscard]] const SyncStatus& status() const { return m_status; }
    /// The current batch size limit (halved by 413s). For tests.
    [[nodiscard]] std::size_t batchLimit() const { return m_batchLimit; }
    /// A new valid survey from the last passes, once; nullptr when there is none.
    [[nodiscard]] std::shared_ptr<const shared::Survey> takeSurvey();

    /// Called during transfers and between batches; returning true ends the pass (Cancelled).
    void setCancelCheck(std::function<bool()> cancelled);
    /// Called on the session's thread whenever the status changes (start and end of a pass, each batch).
    void setStatusListener(std::function<void(const SyncStatus&)> listener);

private:
    struct Impl;
    explicit SyncSession(std::unique_ptr<Impl> impl);
    void publish();
    PassReport deliver();
    void checkSurvey(PassReport& report);
    void fail(PassReport& report, PassReport::Outcome outcome, std::string reason, std::optional<std::chrono::seconds> retryAfter);
    void pause(PassReport& report, std::string reason);
    void persist();
    [[nodiscard]] bool sendDue(SteadyTime now);

    std::unique_ptr<Impl> m_impl;
    SyncStatus m_status;
    int m_failures = 0;
    std::optional<SteadyTime> m_backoffUntil;
    SteadyTime m_nextTimer;
    std::optional<SteadyTime> m_surveyCheckedAt;
    std::optional<SteadyTime> m_sendAt;  ///< the send schedule's next send
    std::size_t m_batchLimit = shared::kMaxBatchResponses;
};

/// The background uploader. All public functions are thread-safe, return at once and never wait on the
/// network or the disk (they take a mutex that the uploader thread only holds for short copies).
class Uploader {
public:
    /// Opens a SyncSession (see there for errors) and starts the thread, which makes a first pass at once.
    [[nodiscard]] static shared::Result<std::unique_ptr<Uploader>> start(UploaderOptions options, SyncEnvironment env = {});

    Uploader(const Uploader&) = delete;
    Uploader& operator=(const Uploader&) = delete;
    /// Stops the thread: an ongoing transfer is aborted within about a second; nothing is lost (an
    /// unacknowledged batch stays in the outbox and is resent next time, which is safe).
    ~Uploader();

    /// A new response was committed: plan a send on the schedule (see the top of this file). While paused
    /// or backing off it waits its turn as well.
    void notify();
    /// The admin's Sync now: a pass at once, even when paused or backing off.
    void syncNow();
    /// A copy of the latest status.
    [[nodiscard]] SyncStatus snapshot() const;
    /// Grows by one whenever the status changes, so a reader can tell cheaply whether to look again.
    [[nodiscard]] std::uint64_t generation() const { return m_generation.load(std::memory_order_acquire); }
    /// A new valid survey from the server, once (nullptr when there is none). The caller takes it only
    /// between respondents (KioskModel::offerSurvey does).
    [[nodiscard]] std::shared_ptr<const shared::Survey> takeSurvey();

private:
    Uploader(std::unique_ptr<SyncSession> session, std::function<SteadyTime()> steadyNow);
    void run(std::stop_token stop);
    void publish(const SyncStatus& status);

    std::unique_ptr<SyncSession> m_session;  ///< used only by the thread once it runs
    std::function<SteadyTime()> m_steadyNow;
    mutable std::mutex m_mutex;
    std::condition_variable_any m_wake;
    bool m_notified = false;  ///< the first pass runs at once anyway: the timer starts due
    bool m_forced = false;
    SyncStatus m_status;
    std::shared_ptr<const shared::Survey> m_survey;
    std::atomic<std::uint64_t> m_generation{0};
    std::stop_source m_stop;
    std::thread m_thread;  ///< last: starts after everything above exists; joined by the destructor
};

}  // namespace svarboks::sync
