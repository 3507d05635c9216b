#pragma once
// ISO-8601 week periods ("2026-W47"): the only time a response carries.
#include "svarboks/shared/result.hpp"

#include <chrono>
#include <string>
#include <string_view>

namespace svarboks::shared {

struct IsoWeek {
    int year = 0;  ///< the ISO week-numbering year (may differ from the calendar year near New Year)
    int week = 0;  ///< 1..53

    /// "2026-W47".
    [[nodiscard]] std::string toString() const;
    auto operator<=>(const IsoWeek&) const = default;
};

/// The ISO week that contains `day`.
[[nodiscard]] IsoWeek isoWeekOf(std::chrono::year_month_day day);

/// The Monday that starts `week`.
[[nodiscard]] std::chrono::sys_days mondayOf(IsoWeek week);

/// The ISO week of `now` in the machine's local time zone (a respondent completes in local time).
[[nodiscard]] IsoWeek localIsoWeek(std::chrono::system_clock::time_point now);

/// Parses "YYYY-Www", refusing week 53 in years that have only 52.
[[nodiscard]] Result<IsoWeek> parseIsoWeek(std::string_view text);

}  // namespace svarboks::shared
