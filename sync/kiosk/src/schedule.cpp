#include "svarboks/sync/schedule.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <system_error>

namespace svarboks::sync {

using namespace std::chrono_literals;

std::chrono::milliseconds backoffCeiling(int failures) {
    const int doublings = std::clamp(failures - 1, 0, 20);
    const auto ceiling = std::chrono::milliseconds(kBackoffBase) * (std::int64_t{1} << doublings);
    return std::min<std::chrono::milliseconds>(ceiling, kBackoffCap);
}

std::chrono::milliseconds backoffDelay(int failures, double random01) {
    const double fraction = std::clamp(std::isfinite(random01) ? random01 : 0.0, 0.0, 1.0);
    const auto ceiling = backoffCeiling(failures);
    const auto drawn = std::chrono::milliseconds(static_cast<std::int64_t>(fraction * static_cast<double>(ceiling.count())));
    return std::clamp<std::chrono::milliseconds>(drawn, kBackoffFloor, ceiling);
}

std::optional<std::chrono::seconds> parseRetryAfter(std::string_view value) {
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
    if (value.empty() || value.size() > 12) return std::nullopt;
    std::int64_t seconds = 0;
    const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (error != std::errc() || end != value.data() + value.size() || seconds < 0) return std::nullopt;
    return std::min<std::chrono::seconds>(std::chrono::seconds(seconds), kMaxRetryAfter);
}

std::chrono::seconds drawSendDelay(std::chrono::minutes min, std::chrono::minutes max,
                                   const std::function<std::uint32_t(std::uint32_t)>& randomBelow) {
    const auto low = std::chrono::seconds(std::max<std::chrono::minutes>(min, 0min));
    const auto high = std::max<std::chrono::seconds>(low, max);
    const auto span = static_cast<std::uint32_t>(std::min<std::int64_t>((high - low).count(), 0x7FFFFFFF));
    if (span == 0 || !randomBelow) return low;
    return low + std::chrono::seconds(std::min(randomBelow(span + 1), span));
}

void SyncSchedule::failed(SteadyTime now, std::optional<std::chrono::seconds> retryAfter, double random01) {
    ++m_failures;
    const std::chrono::milliseconds delay =
        retryAfter ? std::max<std::chrono::milliseconds>(*retryAfter, kBackoffFloor) : backoffDelay(m_failures, random01);
    m_backoffUntil = now + delay;
}

std::optional<SteadyTime> SyncSchedule::nextAutomaticPass(bool paused) const {
    if (paused) return std::nullopt;
    if (m_backoffUntil) return m_sendAt ? std::max(*m_backoffUntil, *m_sendAt) : *m_backoffUntil;
    return m_sendAt ? std::min(m_nextTimer, *m_sendAt) : m_nextTimer;
}

}  // namespace svarboks::sync
