#include "svarboks/sync/uploader.hpp"

#include <exception>
#include <utility>

namespace svarboks::sync {

Uploader::Uploader(std::unique_ptr<SyncSession> session, std::function<SteadyTime()> steadyNow)
    : m_session(std::move(session)), m_steadyNow(std::move(steadyNow)) {
    m_status = m_session->status();
}

Uploader::~Uploader() {
    m_stop.request_stop();  // wakes the wait (condition_variable_any with a stop token) and aborts a transfer
    if (m_thread.joinable()) m_thread.join();
}

shared::Result<std::unique_ptr<Uploader>> Uploader::start(UploaderOptions options, SyncEnvironment env) {
    env = SyncEnvironment::real(std::move(env));
    auto steadyNow = env.steadyNow;
    auto session = SyncSession::open(std::move(options), std::move(env));
    if (!session) return session.error();
    auto uploader = std::unique_ptr<Uploader>(new Uploader(std::move(session).value(), std::move(steadyNow)));
    Uploader* self = uploader.get();
    const std::stop_token token = self->m_stop.get_token();
    self->m_session->setStatusListener([self](const SyncStatus& status) { self->publish(status); });
    self->m_session->setCancelCheck([token] { return token.stop_requested(); });
    self->m_thread = std::thread([self, token] { self->run(token); });
    return uploader;
}

void Uploader::notify() {
    {
        std::lock_guard lock(m_mutex);
        m_notified = true;
    }
    m_wake.notify_one();
}

void Uploader::syncNow() {
    {
        std::lock_guard lock(m_mutex);
        m_forced = true;
    }
    m_wake.notify_one();
}

SyncStatus Uploader::snapshot() const {
    std::lock_guard lock(m_mutex);
    return m_status;
}

std::shared_ptr<const shared::Survey> Uploader::takeSurvey() {
    std::lock_guard lock(m_mutex);
    return std::exchange(m_survey, nullptr);
}

void Uploader::publish(const SyncStatus& status) {
    {
        std::lock_guard lock(m_mutex);
        m_status = status;
    }
    m_generation.fetch_add(1, std::memory_order_acq_rel);
}

void Uploader::run(std::stop_token stop) {
    SyncSession& session = *m_session;
    std::unique_lock lock(m_mutex);
    while (!stop.stop_requested()) {
        const SteadyTime now = m_steadyNow();
        // A new response is sent on the schedule, not now; paused or backing off, it waits its turn too.
        // Unlocked: the session publishes its new plan through publish(), which takes the mutex.
        if (std::exchange(m_notified, false)) {
            lock.unlock();
            session.responsesCommitted();
            lock.lock();
            continue;
        }
        const auto next = session.nextAutomaticPass();
        const bool due = m_forced || (next && now >= *next);
        if (due) {
            const auto trigger = m_forced ? SyncSession::Trigger::Forced : SyncSession::Trigger::Automatic;
            m_forced = false;
            lock.unlock();
            bool threw = false;
            try {
                (void)session.runPass(trigger);
            } catch (const std::exception&) {
                threw = true;  // runPass handles its own errors; this keeps an allocation failure inside the thread
            }
            auto survey = session.takeSurvey();
            lock.lock();
            if (threw) m_wake.wait_for(lock, stop, std::chrono::seconds(30), [this] { return m_forced; });
            if (survey) {
                m_survey = std::move(survey);
                m_generation.fetch_add(1, std::memory_order_acq_rel);
            }
            continue;
        }
        const auto wake = [this] { return m_forced || m_notified; };
        if (next) {
            m_wake.wait_for(lock, stop, *next - now, wake);
        } else {
            m_wake.wait(lock, stop, wake);
        }
    }
}

}  // namespace svarboks::sync
