#pragma once
// One sync pass at a time, with no thread of its own: moves sealed responses from the outbox to the central
// endpoint exactly as ../shared/PROTOCOL.md says, and fetches survey updates (GET /api/v1/survey with an
// ETag). `svarboks sync` runs it in the foreground; the Uploader (uploader.hpp) runs it on its thread; the
// tests drive it with an injected clock and random source, without sleeping.
//
// The parts it puts together: when to send and retry (schedule.hpp), what goes in a batch
// (batch_packing.hpp), its files (sync_state.hpp) and what it tells the admin (sync_status.hpp).
//
// Databases and files: the session opens its own Outbox connection (WAL; one connection per thread), which
// only the session's thread uses after start, and keeps sync-state.json and survey-cache.json next to it.
//
// What travels: only the batch (protocol, batch_id, response ids and sealed bytes), the bearer token, and
// If-None-Match. Nothing about respondents: no time of completion, no order number.
#include "svarboks/shared/config.hpp"
#include "svarboks/shared/protocol.hpp"
#include "svarboks/shared/result.hpp"
#include "svarboks/shared/survey.hpp"
#include "svarboks/sync/schedule.hpp"
#include "svarboks/sync/sync_status.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace svarboks::sync {

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
    Delivery delivery;    ///< what the pass sent
    SyncProblem problem;  ///< NotDelivered, RetryLater, LocalError: why
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
    [[nodiscard]] std::optional<SteadyTime> plannedSend() const { return m_schedule.plannedSend(); }

    /// When the next automatic pass is due: the planned send, the end of a backoff (not before the planned
    /// send), or the timer. nullopt while paused.
    [[nodiscard]] std::optional<SteadyTime> nextAutomaticPass() const;
    /// True while a backoff or a Retry-After is running at `now`.
    [[nodiscard]] bool backingOff(SteadyTime now) const { return m_schedule.backingOff(now); }
    [[nodiscard]] bool paused() const { return m_status.paused; }
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
    SyncSession(std::unique_ptr<Impl> impl, SteadyTime now);
    void publish();
    PassReport deliver();
    void checkSurvey(PassReport& report);
    void fail(PassReport& report, PassReport::Outcome outcome, SyncProblem problem, std::optional<std::chrono::seconds> retryAfter);
    void pause(PassReport& report);
    void persist();
    /// What an automatic pass does with the outbox: nothing is pending; the send schedule's time has not
    /// come; or send now.
    enum class Due { Nothing, NotYet, Now };
    [[nodiscard]] Due sendDue(SteadyTime now);

    std::unique_ptr<Impl> m_impl;
    SyncStatus m_status;
    SyncSchedule m_schedule;
    std::optional<SteadyTime> m_surveyCheckedAt;
    std::size_t m_batchLimit = shared::kMaxBatchResponses;
};

}  // namespace svarboks::sync
