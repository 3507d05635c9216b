#pragma once
// Small text helpers for the dashboard's HTML and URLs: escaping, percent-encoding and form/query parsing.
// Pure functions; thread-safe.
#include <map>
#include <string>
#include <string_view>

namespace svarboks::server {

/// Text made safe for HTML element content and double-quoted attribute values (& < > " ').
[[nodiscard]] std::string escapeHtml(std::string_view text);

/// Percent-encodes everything but unreserved characters (RFC 3986), for a query value or a path segment.
[[nodiscard]] std::string urlEncode(std::string_view text);

/// The name/value pairs of an application/x-www-form-urlencoded body or a query string ("a=1&b=x+y"),
/// percent-decoded, '+' as space. A pair without '=' has an empty value. Invalid escapes are kept as
/// typed; a decoded value that is not valid UTF-8 is dropped (so no page ever echoes broken bytes).
[[nodiscard]] std::multimap<std::string, std::string> parseUrlEncoded(std::string_view text);

/// True when `text` is valid UTF-8 with no control characters other than tab, CR and LF.
[[nodiscard]] bool isCleanUtf8(std::string_view text);

}  // namespace svarboks::server
