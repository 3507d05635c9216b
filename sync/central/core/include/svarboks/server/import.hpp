#pragma once
// `svarboks-central import FILE`: an outbox export written on a kiosk's admin screen (docs/outbox-export.md),
// for sites with no network. The whole file is checked first and refused, with nothing stored, when any
// line is malformed or its device is unknown or revoked; then its items go through the same Ingestor as
// batches (same validation, dedup and dead letters), in transactions of at most 500 items.
#include "svarboks/server/ingest.hpp"
#include "svarboks/server/storage.hpp"

#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace svarboks::server {

struct ImportReport {
    std::string deviceId;
    std::string unitId;
    IngestCounts counts;
    std::vector<std::pair<std::string, std::string>> rejected;  ///< id, reason
};

/// Imports `file` for the device named in its header. Errors say the file, the line and the key.
/// Never throws; thread-safe as far as `devices` and `ingestor` are.
[[nodiscard]] Result<ImportReport> importOutboxExport(DeviceStore& devices, Ingestor& ingestor, const std::filesystem::path& file,
                                                      const std::string& receivedWeek);

/// The same for an export held in memory; `name` stands for the file in messages.
[[nodiscard]] Result<ImportReport> importOutboxExport(DeviceStore& devices, Ingestor& ingestor, std::string_view bytes, const std::string& name,
                                                      const std::string& receivedWeek);

}  // namespace svarboks::server
