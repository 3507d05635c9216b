#include "svarboks/server/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace svarboks::server {

RateLimiter::RateLimiter(int perMinute, std::size_t maxKeys)
    : m_capacity(std::max(1, perMinute)), m_perSecond(std::max(1, perMinute) / 60.0), m_maxKeys(maxKeys) {}

void RateLimiter::forgetFull(TimePoint now) {
    std::erase_if(m_buckets, [&](const auto& entry) {
        const double elapsed = std::chrono::duration<double>(now - entry.second.updated).count();
        return entry.second.tokens + elapsed * m_perSecond >= m_capacity;
    });
    m_lastSweep = now;
}

std::optional<std::chrono::seconds> RateLimiter::acquire(const std::string& key, TimePoint now) {
    const std::lock_guard lock(m_mutex);
    if (now - m_lastSweep > std::chrono::minutes(1) || m_buckets.size() >= m_maxKeys) forgetFull(now);
    auto found = m_buckets.find(key);
    if (found == m_buckets.end()) {
        if (m_buckets.size() >= m_maxKeys) return std::chrono::seconds(60);
        found = m_buckets.emplace(key, Bucket{m_capacity, now}).first;
    }
    Bucket& bucket = found->second;
    const double elapsed = std::max(0.0, std::chrono::duration<double>(now - bucket.updated).count());
    bucket.tokens = std::min(m_capacity, bucket.tokens + elapsed * m_perSecond);
    bucket.updated = now;
    if (bucket.tokens >= 1.0) {
        bucket.tokens -= 1.0;
        return std::nullopt;
    }
    const double wait = (1.0 - bucket.tokens) / m_perSecond;
    return std::chrono::seconds(std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(wait))));
}

}  // namespace svarboks::server
