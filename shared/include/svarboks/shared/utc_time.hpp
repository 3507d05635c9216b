#pragma once
// A moment as UTC ISO-8601 to the second, "2026-11-23T14:05:00Z": how the kiosk's state files and the
// central's logs and JSON write a time.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace svarboks::shared {

/// "2026-11-23T14:05:00Z" (the second, truncated).
[[nodiscard]] std::string formatUtcSecond(std::chrono::system_clock::time_point time);
/// The moment of exactly that form; nullopt for anything else (a time zone offset, trailing text, ...).
[[nodiscard]] std::optional<std::chrono::system_clock::time_point> parseUtcSecond(std::string_view text);

}  // namespace svarboks::shared
