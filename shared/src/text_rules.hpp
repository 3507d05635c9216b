#pragma once
// Internal: small text rules the survey loader, the config loader and the protocol share.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace svarboks::shared::text {

/// [a-z]{2,3}(-[A-Za-z]{2,4})?, e.g. "da", "en", "en-GB".
[[nodiscard]] bool validLocale(std::string_view code);
/// [a-z0-9-]{1,64}.
[[nodiscard]] bool validSurveyId(std::string_view id);
struct LineColumn {
    std::size_t line = 1;    ///< 1-based
    std::size_t column = 1;  ///< 1-based, in bytes
};
/// The line and column of a byte offset.
[[nodiscard]] LineColumn lineColumnAt(std::string_view text, std::size_t offset);
/// "line 3, column 14" for a byte offset.
[[nodiscard]] std::string lineColumn(std::string_view text, std::size_t offset);
/// Where JSON nests deeper than `maxDepth` (checked before parsing, so no parser recursion depends on input).
[[nodiscard]] std::optional<std::size_t> jsonTooDeepAt(std::string_view text, std::size_t maxDepth);
/// nlohmann's message without its "[json.exception...] parse error at ...: " prefix.
[[nodiscard]] std::string withoutPrefix(std::string what);
/// Bytes outside printable ASCII as \xNN, so a message quoting raw input is valid UTF-8 and terminal-safe.
[[nodiscard]] std::string printable(std::string_view text);

}  // namespace svarboks::shared::text

namespace svarboks::shared {
using text::jsonTooDeepAt;
using text::lineColumn;
using text::lineColumnAt;
using text::printable;
using text::validLocale;
using text::validSurveyId;
using text::withoutPrefix;
}  // namespace svarboks::shared
