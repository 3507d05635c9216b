#pragma once
// Small files the kiosk keeps next to its outbox (sync-state.json, survey-cache.json, pin-lock.json): read
// whole with a size limit, written atomically with mode 0600. Thread-safe (no shared state).
#include "svarboks/shared/result.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace svarboks::sync {

/// Reads a small file whole; nullopt when it does not exist. An error names the file: it cannot be read, or
/// it is larger than `limit` bytes.
[[nodiscard]] shared::Result<std::optional<std::string>> readSmallFile(const std::filesystem::path& file, std::uintmax_t limit);

/// Writes `bytes` to `file` so that a reader (or a power cut) sees the old or the new content, never a mix:
/// a temp file in the same folder, created with mode 0600, fsync, rename, fsync of the folder. An error
/// names the file and what failed; the old file is then untouched.
[[nodiscard]] shared::Status writeAtomically(const std::filesystem::path& file, std::string_view bytes);

}  // namespace svarboks::sync
