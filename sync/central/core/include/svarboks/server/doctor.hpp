#pragma once
// `svarboks-central doctor`: what IT checks on a central endpoint, one line each with what to do
// (shared/doctor.hpp): the data folder and its modes, the keys, the TLS certificate and its expiry, the
// store's integrity, the disk, the time zone and the clock.
#include "svarboks/server/clock.hpp"
#include "svarboks/server/data_dir.hpp"
#include "svarboks/shared/doctor.hpp"

#include <vector>

namespace svarboks::server {

/// Runs every check on the data folder `dir` at `now`. Never throws; reads only (the store is opened,
/// checked and closed; a store of an older version is upgraded on open, as any command does).
[[nodiscard]] std::vector<shared::Check> checkCentral(const DataDir& dir, TimePoint now);

}  // namespace svarboks::server
