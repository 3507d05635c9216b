#include "svarboks/sync/sync_status.hpp"

#include "svarboks/shared/utc_time.hpp"

#include <cstdio>
#include <ctime>

namespace svarboks::sync {

using nlohmann::json;

namespace {

json timeOrNull(const std::optional<WallTime>& time) { return time ? json(shared::formatUtcSecond(*time)) : json(nullptr); }

json dayOrNull(const std::optional<LocalDay>& day) { return day ? json(isoDay(*day)) : json(nullptr); }

}  // namespace

LocalDay localDayOf(WallTime time) {
    const std::time_t t = std::chrono::system_clock::to_time_t(time);
    std::tm tm{};
    localtime_r(&t, &tm);
    return LocalDay(std::chrono::year_month_day{std::chrono::year{tm.tm_year + 1900}, std::chrono::month{static_cast<unsigned>(tm.tm_mon + 1)},
                                                std::chrono::day{static_cast<unsigned>(tm.tm_mday)}});
}

std::string isoDay(LocalDay day) {
    const std::chrono::year_month_day date(day);
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u", static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                  static_cast<unsigned>(date.day()));
    return buffer;
}

std::optional<LocalDay> parseDay(const json& value) {
    if (!value.is_string()) return std::nullopt;
    const std::string text = value.get<std::string>();
    if (text.size() > 10) {
        const auto time = shared::parseUtcSecond(text);
        return time ? std::optional<LocalDay>(localDayOf(*time)) : std::nullopt;
    }
    int year = 0;
    unsigned month = 0;
    unsigned day = 0;
    char rest = 0;
    if (text.size() != 10 || std::sscanf(text.c_str(), "%4d-%2u-%2u%c", &year, &month, &day, &rest) != 3) return std::nullopt;
    const std::chrono::year_month_day date{std::chrono::year{year}, std::chrono::month{month}, std::chrono::day{day}};
    if (!date.ok()) return std::nullopt;
    return LocalDay(date);
}

json toJson(const SyncStatus& status) {
    static constexpr const char* kStates[] = {"idle", "sending", "waiting", "paused"};
    return {
        {"state", kStates[static_cast<int>(status.state)]},
        {"pending", status.pending},
        {"quarantined", status.quarantined},
        {"held", status.held},
        {"last_attempt", dayOrNull(status.lastAttempt)},
        {"last_attempt_ok", status.lastAttemptOk},
        {"last_success", dayOrNull(status.lastSuccess)},
        {"next_attempt", timeOrNull(status.nextAttempt)},
        {"local_error", status.localError},
    };
}

}  // namespace svarboks::sync
