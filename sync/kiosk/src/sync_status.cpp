#include "svarboks/sync/sync_status.hpp"

#include <cstdio>
#include <ctime>
#include <iomanip>
#include <sstream>

namespace svarboks::sync {

using nlohmann::json;

namespace {

std::string isoUtc(WallTime time) {
    const std::time_t t = std::chrono::system_clock::to_time_t(time);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buffer;
}

std::optional<WallTime> parseIsoUtc(const std::string& text) {
    std::tm tm{};
    std::istringstream in(text);
    in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%SZ");
    if (in.fail()) return std::nullopt;
    return std::chrono::system_clock::from_time_t(timegm(&tm));
}

json timeOrNull(const std::optional<WallTime>& time) { return time ? json(isoUtc(*time)) : json(nullptr); }

json dayOrNull(const std::optional<LocalDay>& day) { return day ? json(isoDay(*day)) : json(nullptr); }

std::string inWords(std::chrono::steady_clock::duration wait) {
    const auto secs = std::chrono::ceil<std::chrono::seconds>(wait).count();
    if (secs <= 0) return "a moment";
    if (secs < 60) return std::to_string(secs) + " s";
    if (secs < 90 * 60) return std::to_string((secs + 59) / 60) + " min";
    return std::to_string((secs + 1799) / 3600) + " h";
}

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
        const auto time = parseIsoUtc(text);
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

std::string formatDay(LocalDay day, WallTime now) {
    const LocalDay today = localDayOf(now);
    if (day == today) return "today";
    if (day == today - std::chrono::days(1)) return "yesterday";
    return isoDay(day);
}

std::string describe(const SyncStatus& status, WallTime now) {
    using State = SyncStatus::State;
    std::string line;
    const std::string pending = std::to_string(status.pending) + " pending";
    switch (status.state) {
        case State::Paused: line = "paused: " + status.pausedReason + "; " + pending; break;
        case State::Sending: line = "sending now, " + pending; break;
        case State::Waiting:
            line = "waiting: next try in " + (status.nextAttempt ? inWords(*status.nextAttempt - now) : std::string("a moment")) +
                   " (" + status.waitReason + "); " + pending;
            break;
        case State::Idle:
            if (status.lastAttempt && !status.lastAttemptOk && !status.lastResult.empty()) {
                line = "last attempt " + formatDay(*status.lastAttempt, now) + " failed (" + status.lastResult + "), ";
                line += status.lastSuccess ? "last success " + formatDay(*status.lastSuccess, now) : std::string("never synced yet");
            } else if (status.lastSuccess) {
                line = "last success " + formatDay(*status.lastSuccess, now);
            } else {
                line = "never synced yet";
            }
            line += ", " + pending;
            if (status.pending > 0 && status.plannedSend) line += ", sent in " + inWords(*status.plannedSend - now) + " (send schedule)";
            break;
    }
    if (status.quarantined > 0) line += ", " + std::to_string(status.quarantined) + " in quarantine";
    if (status.held > 0) line += ", " + std::to_string(status.held) + " held";
    if (!status.surveyNote.empty()) line += "; " + status.surveyNote;
    if (!status.localError.empty()) line += "; " + status.localError;
    return line;
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
        {"last_result", status.lastResult},
        {"last_success", dayOrNull(status.lastSuccess)},
        {"next_attempt", timeOrNull(status.nextAttempt)},
        {"wait_reason", status.waitReason},
        {"paused_reason", status.pausedReason},
        {"survey_note", status.surveyNote},
        {"local_error", status.localError},
    };
}

}  // namespace svarboks::sync
