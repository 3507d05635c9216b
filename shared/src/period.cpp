#include "svarboks/shared/period.hpp"

#include <charconv>
#include <cstdio>
#include <ctime>

namespace svarboks::shared {

namespace {

using namespace std::chrono;

// Weeks in an ISO year: 53 when 28 December falls in week 53.
int weeksInYear(int year) { return isoWeekOf(year_month_day{std::chrono::year{year}, December, day{28}}).week; }

}  // namespace

std::string IsoWeek::toString() const {
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "%04d-W%02d", year, week);
    return buffer;
}

IsoWeek isoWeekOf(year_month_day date) {
    const sys_days days{date};
    const weekday wd{days};
    const int isoWeekday = static_cast<int>(wd.iso_encoding());  // Monday = 1 .. Sunday = 7
    const sys_days thursday = days + std::chrono::days{4 - isoWeekday};
    const year_month_day thursdayDate{thursday};
    const sys_days january1{thursdayDate.year() / January / 1};
    const int week = static_cast<int>((thursday - january1).count() / 7 + 1);
    return {static_cast<int>(thursdayDate.year()), week};
}

sys_days mondayOf(IsoWeek week) {
    // Week 1 is the week with 4 January in it; its Monday starts the year's weeks.
    const sys_days january4{std::chrono::year{week.year} / January / 4};
    return january4 - days{weekday{january4}.iso_encoding() - 1} + weeks{week.week - 1};
}

IsoWeek localIsoWeek(system_clock::time_point now) {
    const std::time_t t = system_clock::to_time_t(now);
    std::tm local{};
    localtime_r(&t, &local);
    return isoWeekOf(year_month_day{std::chrono::year{local.tm_year + 1900},
                                    month{static_cast<unsigned>(local.tm_mon + 1)},
                                    day{static_cast<unsigned>(local.tm_mday)}});
}

Result<IsoWeek> parseIsoWeek(std::string_view text) {
    const auto invalid = [&] {
        return Error{"'" + std::string(text.substr(0, 40)) + "' is not an ISO week; expected YYYY-Www such as 2026-W47"};
    };
    if (text.size() != 8 || text[4] != '-' || text[5] != 'W') return invalid();
    IsoWeek week;
    const auto y = std::from_chars(text.data(), text.data() + 4, week.year);
    const auto w = std::from_chars(text.data() + 6, text.data() + 8, week.week);
    if (y.ec != std::errc{} || y.ptr != text.data() + 4 || w.ec != std::errc{} || w.ptr != text.data() + 8) return invalid();
    if (week.year < 2000 || week.year > 9999 || week.week < 1 || week.week > weeksInYear(week.year)) return invalid();
    return week;
}

}  // namespace svarboks::shared
