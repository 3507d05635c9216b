#include "svarboks/server/maintenance.hpp"

#include "svarboks/server/retention.hpp"

#include <nlohmann/json.hpp>

namespace svarboks::server {

Maintenance::Maintenance(Storage& storage, Clock clock, std::function<void(const std::string&)> log, Options options)
    : m_storage(storage), m_clock(std::move(clock)), m_log(std::move(log)), m_options(options), m_thread([this] { run(); }) {}

Maintenance::Maintenance(Storage& storage, Clock clock, std::function<void(const std::string&)> log)
    : Maintenance(storage, std::move(clock), std::move(log), Options{}) {}

Maintenance::~Maintenance() {
    {
        const std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    m_thread.join();
}

void Maintenance::run() {
    auto nextRetention = std::chrono::steady_clock::now();
    for (;;) {
        if (std::chrono::steady_clock::now() >= nextRetention) {
            retain();
            nextRetention = std::chrono::steady_clock::now() + m_options.retentionEvery;
        }
        flush();
        std::unique_lock lock(m_mutex);
        if (m_wake.wait_for(lock, m_options.flushEvery, [&] { return m_stopping; })) {
            lock.unlock();
            flush();
            return;
        }
    }
}

void Maintenance::flush() {
    // Readers may keep the log from emptying (false): the next tick tries again.
    if (auto flushed = m_storage.flushLog(); !flushed) {
        m_log(nlohmann::ordered_json{{"event", "flush-log"}, {"error", flushed.error().message}}.dump());
    }
}

void Maintenance::retain() {
    auto run = applyRetention(m_storage, m_clock(), "(server)");
    nlohmann::ordered_json line{{"event", "retention"}};
    if (run) {
        line["deleted_before"] = run->oldestKept;
        line["rounds_deleted"] = run->rounds;
    } else {
        line["error"] = run.error().message;
    }
    m_log(line.dump());
}

}  // namespace svarboks::server
