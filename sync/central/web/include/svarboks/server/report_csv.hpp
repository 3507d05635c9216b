#pragma once
// A report (report.hpp) as CSV rows, for the dashboard's download and the report CLI alike: one header,
// then one row per report row (the municipality, each group, each unit) in the report's order.
//
// Columns: kind, group, unit, name, respondents; per scoring area its respondents, mean score (0..1, three
// decimals) and respondents per level; per week (when the report has weeks; units only) the respondents;
// per question (when the report has questions) its respondents and the respondents per choice. Header
// names are stable ids ("area:safety:mean", "week:2026-W05", "question:q3:choice:often") so that a
// spreadsheet or a script can rely on them.
//
// A hidden figure is written as its wording in `locale` ("fewer than 5" / "færre end 5", "hidden" /
// "skjult"), and so is every figure that depends on it (a hidden area's mean and levels): never a number.
// A figure the report does not have (a group's weeks, questions of rows not asked for) is an empty cell.
#include "svarboks/server/csv.hpp"
#include "svarboks/server/report.hpp"

#include <string_view>

namespace svarboks::server {

/// Writes the header and every row of `report` to `csv` (then flushes it). `locale` "da" words hidden
/// figures in Danish, anything else in English. Returns false when the sink refused a chunk.
[[nodiscard]] bool writeReportCsv(const Report& report, CsvWriter& csv, std::string_view locale);

}  // namespace svarboks::server
