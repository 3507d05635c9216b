#pragma once
// The kiosk's background uploader: one thread that owns a SyncSession (sync_session.hpp) and runs a pass
// when the send schedule says so, on the sync_interval_seconds timer, on Sync now, and when a backoff ends.
// It never touches UI state; it publishes a SyncStatus snapshot (mutex-protected) and new surveys through a
// mailbox, which the UI thread reads without waiting on the network or the disk.
#include "svarboks/shared/result.hpp"
#include "svarboks/shared/survey.hpp"
#include "svarboks/sync/sync_session.hpp"
#include "svarboks/sync/sync_status.hpp"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <stop_token>
#include <thread>

namespace svarboks::sync {

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

    /// A new response was committed: plan a send on the schedule (schedule.hpp). While paused
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
