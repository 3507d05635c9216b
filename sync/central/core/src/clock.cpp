#include "svarboks/server/clock.hpp"

#include "svarboks/shared/period.hpp"
#include "svarboks/shared/utc_time.hpp"

#include <cstdio>
#include <ctime>

namespace svarboks::server {

namespace {

std::tm localTm(TimePoint time) {
    const std::time_t t = std::chrono::system_clock::to_time_t(time);
    std::tm local{};
    localtime_r(&t, &local);
    return local;
}

}  // namespace

Clock systemClock() {
    return [] { return std::chrono::system_clock::now(); };
}

std::int64_t unixSeconds(TimePoint time) {
    return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
}

std::string localDate(TimePoint time) {
    const std::tm local = localTm(time);
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d", local.tm_year + 1900, local.tm_mon + 1, local.tm_mday);
    return buffer;
}

std::string utcSecond(TimePoint time) { return shared::formatUtcSecond(time); }

std::string localWeek(TimePoint time) { return shared::localIsoWeek(time).toString(); }

std::string localMinute(TimePoint time) {
    const std::tm local = localTm(time);
    char buffer[48];
    std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d %02d:%02d", local.tm_year + 1900, local.tm_mon + 1, local.tm_mday,
                  local.tm_hour, local.tm_min);
    return buffer;
}

}  // namespace svarboks::server
