#pragma once
// What the running server does on its own, on a thread of its own (serve starts it):
// - every second empties the store's write-ahead log (Storage::flushLog; nearly free when it is empty), so
//   that no file keeps more than about a second of arrivals in their order;
// - at start and then daily, deletes what is past the retention period (retention.hpp), with a log line
//   and an audit entry.
#include "svarboks/server/clock.hpp"
#include "svarboks/server/storage.hpp"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace svarboks::server {

class Maintenance {
public:
    struct Options {
        std::chrono::milliseconds flushEvery{1000};
        std::chrono::hours retentionEvery{24};
    };
    /// `log` receives one JSON line per event (thread-safe sink). Starts the thread.
    Maintenance(Storage& storage, Clock clock, std::function<void(const std::string&)> log, Options options);
    Maintenance(Storage& storage, Clock clock, std::function<void(const std::string&)> log);
    /// Stops the thread after one last flush.
    ~Maintenance();
    Maintenance(const Maintenance&) = delete;
    Maintenance& operator=(const Maintenance&) = delete;

private:
    void run();
    void flush();
    void retain();

    Storage& m_storage;
    Clock m_clock;
    std::function<void(const std::string&)> m_log;
    Options m_options;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stopping = false;
    std::thread m_thread;
};

}  // namespace svarboks::server
