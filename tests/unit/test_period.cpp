// ISO-8601 weeks: the only time a response carries.
#include "svarboks/shared/period.hpp"

#include <doctest/doctest.h>

using namespace svarboks::shared;
using namespace std::chrono;

TEST_CASE("ISO weeks, including the years where the week-year differs from the calendar year") {
    CHECK(isoWeekOf(2026y / November / 23).toString() == "2026-W48");
    CHECK(isoWeekOf(2026y / November / 22).toString() == "2026-W47");
    CHECK(isoWeekOf(2021y / January / 3).toString() == "2020-W53");
    CHECK(isoWeekOf(2024y / December / 30).toString() == "2025-W01");
    CHECK(isoWeekOf(2027y / January / 1).toString() == "2026-W53");
    CHECK(isoWeekOf(2023y / January / 1).toString() == "2022-W52");
}

TEST_CASE("periods parse strictly") {
    CHECK(parseIsoWeek("2026-W47")->week == 47);
    CHECK(parseIsoWeek("2026-W53").ok());
    CHECK_FALSE(parseIsoWeek("2025-W53").ok());  // 2025 has 52 ISO weeks
    CHECK_FALSE(parseIsoWeek("2026-W00").ok());
    CHECK_FALSE(parseIsoWeek("2026-47").ok());
    CHECK_FALSE(parseIsoWeek("2026-W4x").ok());
    CHECK(parseIsoWeek("26-W01").error().message == "'26-W01' is not an ISO week; expected YYYY-Www such as 2026-W47");
}
