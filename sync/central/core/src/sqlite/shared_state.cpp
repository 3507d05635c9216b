// SqliteStorage: SharedStateStore, a placeholder on the pg-engine branch only, so that SqliteStorage builds
// beside the new interface. The real one (tables attempt_buckets and kept_once, schema v9) comes with the
// web branch and replaces this file at the merge. Nothing calls these yet.
#include "pool.hpp"

#include "svarboks/server/sqlite_storage.hpp"

namespace svarboks::server {

Result<std::optional<std::int64_t>> SqliteStorage::takeAttempt(const std::string&, int, std::int64_t) { return std::optional<std::int64_t>(); }

Status SqliteStorage::keepOnce(const std::string&, const std::string&, const std::string&, std::int64_t) {
    return Error{"store " + m_path.string() + ": values kept once need schema version 9 (not on this branch)"};
}

Result<std::optional<std::string>> SqliteStorage::takeOnce(const std::string&, const std::string&, std::int64_t) { return std::optional<std::string>(); }

}  // namespace svarboks::server
