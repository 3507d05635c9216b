#pragma once
// The codebook of a record-level export (export.hpp): what every column of the CSV, and every member of
// a JSON Lines row, means, in Danish and English, as analysts in Excel, R or SPSS expect beside the data.
// It is made from the survey definition of the exported version only (no response, no count), so it says
// nothing about anyone; it names the survey id, version and definition hash it describes.
//
// - CSV (the export's dialect: csv, or csv-da for Danish Excel): a header, then per column of the export
//   one row (kind "column" for the fixed columns, the question's type for a question) with its text, and
//   per answer value of a question one row (kind "value") with the value as the export writes it and its
//   label. Columns: survey_id, survey_version, definition_sha256, column, kind, value, identifying, area,
//   text_da, text_en. `identifying` is "true" for a question the export treats as a quasi-identifier (its
//   cells may be "*"); `area` is the scoring area a scored question counts towards.
// - JSON (beside jsonl): {"survey_id", "survey_version", "definition_sha256", "columns": [{"column", "kind",
//   "identifying", "area", "text": {"da", "en"}, "values": [{"value", "text": {"da", "en"}}]}]}, where a
//   value is the JSON value of the answers ("values" only for questions with a fixed set of answers).
//
// A text the survey gives in one language only is that text in both; a yes/no question without labels
// gets the kiosk's "Ja"/"Nej", "Yes"/"No".
#include "svarboks/server/csv.hpp"
#include "svarboks/server/export.hpp"
#include "svarboks/shared/survey.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

namespace svarboks::server {

/// The codebook's language columns, in order.
inline constexpr std::string_view kCodebookLocales[] = {"da", "en"};

/// Writes the codebook of an export of `survey` to `csv` in the writer's dialect, then flushes it. Returns
/// false when the sink refused a chunk.
[[nodiscard]] bool writeCodebookCsv(const shared::Survey& survey, CsvWriter& csv);

/// The codebook of `survey` as JSON (see above).
[[nodiscard]] nlohmann::ordered_json codebookJson(const shared::Survey& survey);

/// The codebook in the form that goes with an export of `format`: CSV in its dialect, or JSON for jsonl.
[[nodiscard]] std::string codebookFor(const shared::Survey& survey, ExportFormat format);

/// Where the codebook of the export in `dataFile` goes: beside it, "-codebook" added to its stem, ".json"
/// for jsonl and ".csv" otherwise ("svar.csv" -> "svar-codebook.csv", "svar.jsonl" -> "svar-codebook.json").
[[nodiscard]] std::filesystem::path codebookPath(const std::filesystem::path& dataFile, ExportFormat format);

}  // namespace svarboks::server
