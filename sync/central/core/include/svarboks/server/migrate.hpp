#pragma once
// `svarboks-central migrate`: a SQLite store copied into PostgreSQL (docs/deployment.md, section 6).
//
// Every table, in one PostgreSQL transaction, its rows in key order (so the copy holds no order of arrival,
// and every row the same transaction id), then the rows of each table counted on both sides: it commits
// only when every count agrees. The PostgreSQL store must hold nothing yet: nothing is merged, nothing
// overwritten. The SQLite file stays where it is (brought to this version's schema first, as `serve` would).
#include "svarboks/shared/result.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace svarboks::server {

struct MigratedTable {
    std::string name;
    std::int64_t rows = 0;  ///< on both sides
};

/// Copies the SQLite store at `from` into the PostgreSQL store at `url` (each first brought to the current
/// schema). `progress` is told each table before it is copied, with its rows.
[[nodiscard]] shared::Result<std::vector<MigratedTable>> migrateToPostgres(
    const std::filesystem::path& from, const std::string& url,
    const std::function<void(const std::string& table, std::int64_t rows)>& progress = {});

}  // namespace svarboks::server
