#pragma once
// A token bucket per key (the client address for POST /api/v1/enroll). Keys live in memory only, are
// never logged or stored, and are forgotten once their bucket is full again. Thread-safe.
#include "svarboks/server/clock.hpp"

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace svarboks::server {

class RateLimiter {
public:
    /// `perMinute` attempts per key and minute, in bursts of up to `perMinute`. At most `maxKeys` keys are
    /// tracked; beyond that every new key is refused until old ones are forgotten (a flood of addresses
    /// must not grow memory without bound).
    explicit RateLimiter(int perMinute, std::size_t maxKeys = 65536);

    /// Takes one attempt for `key` at `now`: nullopt when allowed, else how long to wait (whole seconds, >= 1).
    [[nodiscard]] std::optional<std::chrono::seconds> acquire(const std::string& key, TimePoint now);

private:
    struct Bucket {
        double tokens = 0;
        TimePoint updated;
    };
    void forgetFull(TimePoint now);

    double m_capacity;
    double m_perSecond;
    std::size_t m_maxKeys;
    std::mutex m_mutex;
    std::unordered_map<std::string, Bucket> m_buckets;
    TimePoint m_lastSweep{};
};

}  // namespace svarboks::server
