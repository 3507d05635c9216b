// SqliteStorage: the audit log.
#include "pool.hpp"

#include "svarboks/server/sqlite_storage.hpp"

namespace svarboks::server {

Status SqliteStorage::addAudit(const AuditEntry& entry) {
    return m_pool->write("cannot write the audit log", [&](Work& work) {
        auto query = work.query("INSERT INTO audit (at, user_name, action, detail, rows) VALUES (?1, ?2, ?3, ?4, ?5)");
        query.text(1, entry.at).text(2, entry.userName).text(3, entry.action).text(4, entry.detail).integer(5, entry.rows);
        return work.run(query);
    });
}

Result<std::vector<AuditEntry>> SqliteStorage::audit(std::size_t limit) {
    return m_pool->read("cannot read the audit log", [&](Work& work) {
        auto query = work.query("SELECT at, user_name, action, detail, rows FROM audit ORDER BY seq DESC LIMIT ?1");
        query.integer(1, static_cast<std::int64_t>(limit));
        return work.all(query, [](const sqlite::Query& row) {
            return AuditEntry{row.textAt(0), row.textAt(1), row.textAt(2), row.textAt(3), row.integerAt(4)};
        });
    });
}

}  // namespace svarboks::server
