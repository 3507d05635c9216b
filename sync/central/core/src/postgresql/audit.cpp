// PostgresStorage: the audit log.
#include "pool.hpp"

#include "svarboks/server/postgresql_storage.hpp"

namespace svarboks::server {

Status PostgresStorage::addAudit(const AuditEntry& entry) {
    return m_pool->write("cannot write the audit log", [&](PgWork& work) {
        return work.run("INSERT INTO audit (at, user_name, action, detail, rows) VALUES ($1, $2, $3, $4, $5)",
                        pq::Params().text(entry.at).text(entry.userName).text(entry.action).text(entry.detail).integer(entry.rows));
    });
}

Result<std::vector<AuditEntry>> PostgresStorage::audit(std::size_t limit) {
    return m_pool->read("cannot read the audit log", [&](PgWork& work) {
        return work.all("SELECT at, user_name, action, detail, rows FROM audit ORDER BY seq DESC LIMIT $1",
                        pq::Params().integer(static_cast<std::int64_t>(limit)), [](const pq::Rows& rows, int i) {
                            return AuditEntry{rows.text(i, 0), rows.text(i, 1), rows.text(i, 2), rows.text(i, 3), rows.integer(i, 4)};
                        });
    });
}

}  // namespace svarboks::server
