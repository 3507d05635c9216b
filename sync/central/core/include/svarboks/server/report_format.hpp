#pragma once
// A Report (report.hpp) as text: the `report` command's table, CSV and JSON, and the dashboard's aggregate
// CSV download. Only what the Report shows can come out: a hidden figure is written as words ("fewer
// than 5", "hidden"), never as a number, in every format.
#include "svarboks/server/csv.hpp"
#include "svarboks/server/report.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <ostream>
#include <string>

namespace svarboks::server {

/// What the rows of a formatted report are.
enum class ReportBy {
    Unit,      ///< the municipality, each group and each unit: respondents and the mean score per area
    Group,     ///< the municipality and each group
    Area,      ///< each area of one row (default the municipality): respondents, mean score, levels
    Question,  ///< each option of each question of one row: respondents and share
};

/// Parses "unit", "group", "area", "question".
[[nodiscard]] std::optional<ReportBy> parseReportBy(const std::string& text);

/// The row that --by area and --by question describe: a unit id, a group name, or the municipality.
struct ReportFocus {
    ReportRow::Kind kind = ReportRow::Kind::Total;
    std::string id;
};

/// Words for a hidden figure in `locale` ("da" or anything else for English): "færre end 5" / "fewer than 5",
/// "skjult" / "hidden".
[[nodiscard]] std::string hiddenWords(Hidden hidden, int k, const std::string& locale);

/// The report as an aligned text table for a terminal, with a line that explains the hidden figures.
/// An error when the focus row does not exist.
[[nodiscard]] Status writeReportTable(const Report& report, ReportBy by, const ReportFocus& focus, const std::string& locale,
                                      std::ostream& out);

/// The report as CSV: a header row, then one row per line of the table; scores as percentages.
[[nodiscard]] Status writeReportCsv(const Report& report, ReportBy by, const ReportFocus& focus, const std::string& locale,
                                    CsvWriter& csv);

/// The report as JSON: {"survey", "version", "k", "from", "to", "rows": [...]}; a hidden count is null with
/// a "hidden" member saying why ("fewer than k" or "hidden").
[[nodiscard]] Result<nlohmann::ordered_json> reportJson(const Report& report, ReportBy by, const ReportFocus& focus, const std::string& locale);

}  // namespace svarboks::server
