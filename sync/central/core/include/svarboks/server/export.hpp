#pragma once
// Per-response exports from the central store (`svarboks-central export`, and the dashboard's downloads).
//
// Every export is of one survey version and one released round (rounds.hpp), and is k-anonymous on its
// quasi-identifiers (anonymise.hpp): unit (and its group), week, language and the questions the survey
// marks "identifying". A first pass counts them, the least generalisation that gives every combination at
// least k rows is chosen (unit -> group -> municipality, week -> round, language -> any, an identifying
// answer -> withheld), and rows still in smaller combinations are withheld; the export says how many and
// why. A released round never changes, so the same export asked again is the same table: different
// downloads cannot be subtracted from each other. Nothing that could link rows elsewhere goes out: no
// response id, no device, no time, and the rows come in the order of their random ids, which tells
// nothing of units or weeks.
//
// - csv, csv-da: header unit, group, period, survey_id, survey_version, locale, then one column per
//   question name in the survey's order (html elements have none). A generalised or withheld value is "*";
//   the period of a row generalised to the round is the round's id. A checkbox answer is its values
//   joined by ';' ("a;b"), a boolean true/false, a number a number with the dialect's decimal mark, an
//   unanswered question an empty cell. Text cells are neutralised against CSV injection (csv.hpp). csv is
//   RFC 4180; csv-da is the dialect Danish Excel opens with a double click (';', decimal commas, BOM).
// - jsonl: one line per response, {"unit","group","period","survey_id","survey_version","locale","answers"},
//   where answers is the SurveyJS result data as stored, less the identifying answers that were withheld
//   (they are listed in "withheld").
//
// Exports stream: memory does not grow with the number of responses. The store is read once: the first
// pass counts the combinations of quasi-identifiers (one count per distinct one) and files each row, its
// answers formatted, into one of 64 unlinked temporary files by its id; the second reads them back one at
// a time, sorted by id, and writes each row generalised as the plan says.
#include "svarboks/server/report.hpp"
#include "svarboks/server/storage.hpp"
#include "svarboks/shared/survey.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <memory>
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
    std::string surveyId;  ///< "" = the only published survey (an error when there are several)
    std::string version;   ///< "" = the survey's latest published version
    std::string round;     ///< "" = the latest released round
};

/// An export with its survey version and round resolved, and its columns.
struct ExportPlan {
    ExportFormat format = ExportFormat::Csv;
    std::string surveyId;
    std::string version;
    std::string round;
    int k = kDefaultK;                     ///< the round's (Round::k)
    std::vector<std::string> questions;    ///< the question columns after the fixed ones, in survey order
    std::vector<std::string> identifying;  ///< the questions the survey marks identifying, in survey order
    std::shared_ptr<const shared::Survey> survey;  ///< the exported version, loaded (for its codebook: codebook.hpp)
    /// A file name for a download, e.g. "svarboks-pulse-2026.1-2026-h1.csv".
    [[nodiscard]] std::string fileName() const;
    /// What is exported, for messages and the audit log: "survey pulse 2026.1, round 2026-h1, csv, k=5".
    [[nodiscard]] std::string describe() const;
};

/// The fixed first columns of a CSV export.
inline constexpr std::string_view kExportFixedColumns[] = {"unit", "group", "period", "survey_id", "survey_version", "locale"};

/// What an export wrote.
struct ExportResult {
    std::int64_t rows = 0;      ///< written
    std::int64_t withheld = 0;  ///< left out: they stood in a combination of fewer than k rows
    std::string explanation;    ///< what was generalised and withheld, and why (anonymise.hpp)
};

/// Resolves the options against the store: errors for no released round (or an unknown
/// one), an unknown survey or version (listing the published ones), several surveys and none named.
/// Never throws.
[[nodiscard]] Result<ExportPlan> planExport(Storage& storage, const ExportOptions& options);

/// Receives the next chunk of the export (about 64 KiB); returns false to stop (the error says so).
using ExportSink = std::function<bool(std::string_view)>;
/// Called with the responses written so far and the number expected: at the start, every few thousand
/// responses and at the end. The expected count is read before the snapshot, so `done` may pass it.
using ExportProgress = std::function<void(std::int64_t done, std::int64_t total)>;

/// Called once the first pass knows what the export holds, before anything reaches the sink; an error
/// stops the export with nothing written (the dashboard and `export` write their audit entry here, so that
/// no row goes out unaudited).
using ExportCheck = std::function<Status(const ExportResult&)>;

/// Streams the export planned by planExport() into `sink`: the k-anonymity pass, then the rows.
/// Errors: the store cannot be read, a stored answer is not JSON (names the response), the sink refused.
/// After an error the sink may have received part of the export. Never throws; thread-safe as far as
/// `storage` is (the round is read once, from one snapshot).
[[nodiscard]] Result<ExportResult> exportResponses(Storage& storage, const ExportPlan& plan, const ExportSink& sink,
                                                   const ExportProgress& progress = {}, const ExportCheck& beforeRows = {});
/// planExport() and then the above.
[[nodiscard]] Result<ExportResult> exportResponses(Storage& storage, const ExportOptions& options, const ExportSink& sink,
                                                   const ExportProgress& progress = {}, const ExportCheck& beforeRows = {});

/// Writes the export to `file` through a temporary file in the same folder (mode 0600), renamed over
/// `file` only when everything is written and synced: after any error there is no new or half file.
[[nodiscard]] Result<ExportResult> exportToFile(Storage& storage, const ExportPlan& plan, const std::filesystem::path& file,
                                                const ExportProgress& progress = {}, const ExportCheck& beforeRows = {});

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
