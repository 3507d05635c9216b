#pragma once
// A Report (report.hpp) as text: the `report` command's table, CSV and JSON, and the words of the
// dashboard's aggregate CSV download (report_csv.hpp). Only what the Report shows can come out: a hidden
// figure is written as words ("fewer than 5", "hidden"), never as a number, in every format.
//
// Headers and row kinds come in two kinds. Ids, for scripts (csv, json): stable English words and the
// survey's area and level ids ("level", "information mean %", "information beginner", "municipality"),
// the same whatever the language. Titles, for people (the terminal table, csv-da for Danish Excel): the
// fixed words of ReportWords in the output's language and the survey's own titles of areas and levels in
// that language ("niveau", "Information gennemsnit %", "Information: Begynder", "kommune").
#include "svarboks/server/csv.hpp"
#include "svarboks/server/report.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace svarboks::server {

/// What the rows of a formatted report are.
enum class ReportBy {
    Unit,      ///< the municipality, each group and each unit: respondents and the mean score per area
    Group,     ///< the municipality and each group
    Area,      ///< each area of one row (default the municipality): respondents, mean score, levels
    Question,  ///< each option of each question of one row: respondents and share
};

/// How headers, row kinds and level names are written (see the top of this file).
enum class ReportHeaders {
    Ids,     ///< stable English ids, for scripts
    Titles,  ///< words and survey titles in the output's language, for people
};

/// The fixed words of a report's headers and row kinds in one language.
struct ReportWords {
    std::string_view kind;                            ///< the column of row kinds
    std::string_view municipality, group, unit;       ///< row kinds (group is also the group column)
    std::string_view id, name, respondents, mean, meanPercent, area, title, question, option, optionText, count,
        sharePercent, week;
};

/// The words in Danish for "da", in English for anything else.
[[nodiscard]] const ReportWords& reportWords(std::string_view locale);

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

/// The report as an aligned text table for a terminal, with titles in `locale`, and a line that explains
/// the hidden figures. An error when the focus row does not exist.
[[nodiscard]] Status writeReportTable(const Report& report, ReportBy by, const ReportFocus& focus, const std::string& locale,
                                      std::ostream& out);

/// The report as CSV: a header row, then one row per line of the table; scores as percentages. Hidden
/// figures, unit names and question texts in `locale`; headers and row kinds as `headers` says.
[[nodiscard]] Status writeReportCsv(const Report& report, ReportBy by, const ReportFocus& focus, const std::string& locale,
                                    ReportHeaders headers, CsvWriter& csv);

/// The report as JSON: {"survey", "version", "k", "from", "to", "rows": [...]}, keyed by the stable ids
/// (ReportHeaders::Ids); a hidden count is null with a "hidden" member saying why ("fewer than k" or "hidden").
[[nodiscard]] Result<nlohmann::ordered_json> reportJson(const Report& report, ReportBy by, const ReportFocus& focus, const std::string& locale);

}  // namespace svarboks::server
