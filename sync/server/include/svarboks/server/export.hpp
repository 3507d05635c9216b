#pragma once
// Per-response exports from the central store (`svarboks-central export`, and the dashboard's downloads).
//
// - csv, csv-da: one survey version per file (versions ask different questions). Header: unit, period,
//   survey_id, survey_version, locale, then one column per question name in the survey's order (html
//   elements have none). One row per response; a checkbox answer is its values joined by ';' ("a;b"),
//   a boolean true/false, a number a number with the dialect's decimal mark, an unanswered question an
//   empty cell. Text cells are neutralised against CSV injection (csv.hpp). csv is RFC 4180; csv-da is the
//   dialect Danish Excel opens with a double click (';', decimal commas, BOM).
// - jsonl: one line per response, {"id","unit","survey_id","survey_version","period","locale","answers"},
//   where answers is exactly the SurveyJS result data as stored. Every survey, unless one is asked for.
//
// Nothing is exported that is not stored: no device, no time. The CSV has no response id either (a
// spreadsheet does not need it); JSON Lines keeps it so that exports can be joined and deduplicated.
// Exports stream: memory does not grow with the number of responses.
#include "svarboks/server/storage.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace svarboks::server {

enum class ExportFormat { Csv, CsvDanish, Jsonl };

/// "csv", "csv-da" or "jsonl"; an error naming the valid ones otherwise.
[[nodiscard]] Result<ExportFormat> parseExportFormat(std::string_view name);
[[nodiscard]] std::string_view exportFormatName(ExportFormat format);
/// The HTTP Content-Type of a format ("text/csv; charset=utf-8", "application/x-ndjson; charset=utf-8").
[[nodiscard]] std::string_view exportContentType(ExportFormat format);

struct ExportOptions {
    ExportFormat format = ExportFormat::Csv;
    std::string surveyId;  ///< "" = CSV: the only published survey (an error when there are several); JSONL: every survey
    std::string version;   ///< "" = CSV: the survey's latest published version; JSONL: every version
};

/// An export with its survey and version resolved, and its CSV columns.
struct ExportPlan {
    ExportFormat format = ExportFormat::Csv;
    std::string surveyId;  ///< "" only for a JSONL export of every survey
    std::string version;   ///< "" for a JSONL export of every version
    std::vector<std::string> questions;  ///< CSV: the question columns after the fixed ones, in survey order
    /// A file name for a download, e.g. "svarboks-pulse-2026.1.csv" or "svarboks-responses.jsonl".
    [[nodiscard]] std::string fileName() const;
};

/// The fixed first columns of a CSV export.
inline constexpr std::string_view kExportFixedColumns[] = {"unit", "period", "survey_id", "survey_version", "locale"};

/// Resolves the options against the store: errors for an unknown survey or version list the published
/// ones; a CSV export without --survey among several surveys lists them. Never throws.
[[nodiscard]] Result<ExportPlan> planExport(Storage& storage, const ExportOptions& options);

/// Receives the next chunk of the export (about 64 KiB); returns false to stop (the error says so).
using ExportSink = std::function<bool(std::string_view)>;
/// Called with the responses written so far and the number expected: at the start, every few thousand
/// responses and at the end. The expected count is read before the snapshot, so `done` may pass it.
using ExportProgress = std::function<void(std::int64_t done, std::int64_t total)>;

/// Streams the export planned by planExport() into `sink` and returns the number of responses written.
/// Errors: the store cannot be read, a stored answer is not JSON (names the response), the sink refused.
/// After an error the sink may have received part of the export. Never throws; thread-safe as far as
/// `storage` is (it reads from one snapshot).
[[nodiscard]] Result<std::int64_t> exportResponses(Storage& storage, const ExportPlan& plan, const ExportSink& sink,
                                                   const ExportProgress& progress = {});
/// planExport() and then the above.
[[nodiscard]] Result<std::int64_t> exportResponses(Storage& storage, const ExportOptions& options, const ExportSink& sink,
                                                   const ExportProgress& progress = {});

/// Writes the export to `file` through a temporary file in the same folder (mode 0600), renamed over
/// `file` only when everything is written and synced: after any error there is no new or half file.
[[nodiscard]] Result<std::int64_t> exportToFile(Storage& storage, const ExportPlan& plan, const std::filesystem::path& file,
                                                const ExportProgress& progress = {});

/// Progress on a terminal: "Exporting: N of M responses (P %)" rewritten in place at most five times a
/// second, and a final line. Give it the progress callback's arguments. Not thread-safe.
class TerminalProgress {
public:
    using Now = std::function<std::chrono::steady_clock::time_point()>;
    explicit TerminalProgress(std::ostream& out, Now now = [] { return std::chrono::steady_clock::now(); });
    void update(std::int64_t done, std::int64_t total);
    /// Shows the last figures given and ends the line (after success or failure alike).
    void finish();

private:
    void show();

    std::ostream& m_out;
    Now m_now;
    std::chrono::steady_clock::time_point m_last{};
    std::int64_t m_done = 0;
    std::int64_t m_total = 0;
    std::size_t m_width = 0;
    bool m_shown = false;
};

}  // namespace svarboks::server
