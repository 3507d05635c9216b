#include "svarboks/server/retention.hpp"

#include "svarboks/server/policy.hpp"
#include "svarboks/shared/period.hpp"

namespace svarboks::server {

using shared::Error;
using shared::Result;

namespace {

using namespace std::chrono;

sys_days mondayOf(const std::string& week) {
    const auto parsed = shared::parseIsoWeek(week);
    return parsed ? shared::mondayOf(*parsed) : sys_days{};
}

}  // namespace

std::string oldestKeptWeek(const std::string& currentWeek) {
    const year_month_day sunday{mondayOf(currentWeek) + days{6}};
    year_month_day back = (sunday.year() - years{kRetentionYears}) / sunday.month() / sunday.day();
    if (!back.ok()) back = (sunday.year() - years{kRetentionYears}) / sunday.month() / last;  // 29 February
    return shared::isoWeekOf(back).toString();
}

std::string newestAcceptedWeek(const std::string& currentWeek) {
    return shared::isoWeekOf(year_month_day{mondayOf(currentWeek) + weeks{1}}).toString();
}

std::string periodRejection(const std::string& period, const std::string& currentWeek) {
    // ISO weeks as "YYYY-Www" sort as text in time order.
    if (const std::string newest = newestAcceptedWeek(currentWeek); period > newest) {
        return "period " + period + " is more than a week ahead of the server's week " + currentWeek + " (is the kiosk's clock wrong?)";
    }
    if (const std::string oldest = oldestKeptWeek(currentWeek); period < oldest) {
        return "period " + period + " is older than the " + std::to_string(kRetentionYears) + "-year retention (the oldest week kept is " + oldest +
               "); answers are not kept that long";
    }
    return "";
}

std::string RetentionRun::describe() const {
    std::string text = "deleted everything dated before " + oldestKept;
    if (!rounds.empty()) {
        text += " (rounds deleted:";
        for (const auto& round : rounds) text += " " + round;
        text += ")";
    }
    return text;
}

Result<RetentionRun> applyRetention(Storage& storage, TimePoint now, const std::string& user) {
    RetentionRun run;
    run.oldestKept = oldestKeptWeek(localWeek(now));
    auto rounds = storage.deleteBefore(run.oldestKept);
    if (!rounds) return rounds.error();
    run.rounds = std::move(*rounds);
    if (auto audited = storage.addAudit({utcSecond(now), user, "retention", run.describe(), 0}); !audited) {
        return Error{"retention ran (" + run.describe() + ") but its audit entry could not be written: " + audited.message()};
    }
    return run;
}

}  // namespace svarboks::server
