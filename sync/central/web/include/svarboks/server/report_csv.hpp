#pragma once
// A report (report.hpp) as CSV rows, for the dashboard's download and the report CLI alike: one header,
// then one row per report row (the municipality, each group, each unit) in the report's order.
//
// Columns: kind, group, unit, name, respondents; per scoring area its respondents, mean score (0..1, three
// decimals) and respondents per level; per week (when the report has weeks; units only) the respondents;
// per question (when the report has questions) its respondents and the respondents per choice.
//
// Headers and row kinds (report_format.hpp: ReportHeaders): as Ids, stable English ids ("kind",
// "area:safety:mean", "week:2026-W05", "question:q3:choice:often", row kind "municipality") that a script
// can rely on whatever the language; as Titles, words for people in `locale` and the survey's own titles
// ("niveau", "Sikkerhed: gennemsnit (0-1)", "Sikkerhed: Begynder", "uge 2026-W05", "q3: Ofte", row kind "kommune").
//
// A hidden figure is written as its wording in `locale` ("fewer than 5" / "færre end 5", "hidden" /
// "skjult"), and so is every figure that depends on it (a hidden area's mean and levels): never a number.
// A figure the report does not have (a group's weeks, questions of rows not asked for) is an empty cell.
#include "svarboks/server/csv.hpp"
#include "svarboks/server/report.hpp"
#include "svarboks/server/report_format.hpp"

#include <string_view>

namespace svarboks::server {

/// Writes the header and every row of `report` to `csv` (then flushes it). `locale` "da" words hidden
/// figures (and, as Titles, the headers) in Danish, anything else in English. Returns false when the sink
/// refused a chunk.
[[nodiscard]] bool writeReportCsv(const Report& report, CsvWriter& csv, std::string_view locale, ReportHeaders headers);

}  // namespace svarboks::server
