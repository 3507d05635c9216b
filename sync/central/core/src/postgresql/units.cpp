// PostgresStorage: units and their groups. Every change holds the store lock exclusively: a release
// copies the units' groups, publishing reads them.
#include "pool.hpp"

#include "svarboks/server/postgresql_storage.hpp"

namespace svarboks::server {

namespace {

constexpr std::string_view kSelectUnit = "SELECT id, name, group_name, retired FROM units";

Unit unitFrom(const pq::Rows& rows, int i) { return Unit{rows.text(i, 0), rows.text(i, 1), rows.text(i, 2), rows.integer(i, 3) != 0}; }

}  // namespace

Status PostgresStorage::addUnit(const Unit& unit) {
    return m_pool->write(kPgCannotWrite, [&](PgWork& work) -> Status {
        if (Status locked = work.lockStore(true); !locked) return locked;
        return work.insert("INSERT INTO units (id, name, group_name) VALUES ($1, $2, $3)", pq::Params().text(unit.id).text(unit.name).text(unit.group),
                           "unit '" + unit.id + "' already exists");
    });
}

Result<std::vector<Unit>> PostgresStorage::units() {
    return m_pool->read(kPgCannotRead, [&](PgWork& work) { return work.all(std::string(kSelectUnit) + " ORDER BY id", {}, unitFrom); });
}

Result<std::optional<Unit>> PostgresStorage::findUnit(const std::string& id) {
    return m_pool->read(kPgCannotRead, [&](PgWork& work) { return work.one(std::string(kSelectUnit) + " WHERE id = $1", pq::Params().text(id), unitFrom); });
}

Status PostgresStorage::setUnitGroup(const std::string& id, const std::string& group) {
    return m_pool->write(kPgCannotWrite, [&](PgWork& work) -> Status {
        if (Status locked = work.lockStore(true); !locked) return locked;
        return work.change("UPDATE units SET group_name = $2 WHERE id = $1", pq::Params().text(id).text(group), "no unit '" + id + "'");
    });
}

Status PostgresStorage::renameUnit(const std::string& id, const std::string& name) {
    return m_pool->write(kPgCannotWrite, [&](PgWork& work) -> Status {
        if (Status locked = work.lockStore(true); !locked) return locked;
        return work.change("UPDATE units SET name = $2 WHERE id = $1", pq::Params().text(id).text(name), "no unit '" + id + "'");
    });
}

Status PostgresStorage::retireUnit(const std::string& id) {
    return m_pool->write(kPgCannotWrite, [&](PgWork& work) -> Status {
        if (Status locked = work.lockStore(true); !locked) return locked;
        if (Status changed = work.change("UPDATE units SET retired = 1 WHERE id = $1", pq::Params().text(id), "no unit '" + id + "'"); !changed) {
            return changed;
        }
        return work.run("DELETE FROM enrolment_codes WHERE unit_id = $1 AND used = 0", pq::Params().text(id));
    });
}

}  // namespace svarboks::server
