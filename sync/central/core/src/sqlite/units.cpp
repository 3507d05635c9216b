// SqliteStorage: units and their groups.
#include "pool.hpp"

#include "svarboks/server/sqlite_storage.hpp"

namespace svarboks::server {

namespace {

Unit unitFrom(const sqlite::Query& row) { return Unit{row.textAt(0), row.textAt(1), row.textAt(2), row.integerAt(3) != 0}; }

}  // namespace

Status SqliteStorage::addUnit(const Unit& unit) {
    return m_pool->write(kCannotWrite, [&](Work& work) {
        auto query = work.query("INSERT INTO units (id, name, group_name) VALUES (?1, ?2, ?3)");
        query.text(1, unit.id).text(2, unit.name).text(3, unit.group);
        return work.insert(query, "unit '" + unit.id + "' already exists");
    });
}

Result<std::vector<Unit>> SqliteStorage::units() {
    return m_pool->read(kCannotRead, [&](Work& work) {
        auto query = work.query("SELECT id, name, group_name, retired FROM units ORDER BY id");
        return work.all(query, unitFrom);
    });
}

Result<std::optional<Unit>> SqliteStorage::findUnit(const std::string& id) {
    return m_pool->read(kCannotRead, [&](Work& work) {
        auto query = work.query("SELECT id, name, group_name, retired FROM units WHERE id = ?1");
        query.text(1, id);
        return work.one(query, unitFrom);
    });
}

Status SqliteStorage::setUnitGroup(const std::string& id, const std::string& group) {
    return m_pool->write(kCannotWrite, [&](Work& work) {
        auto query = work.query("UPDATE units SET group_name = ?2 WHERE id = ?1");
        query.text(1, id).text(2, group);
        return work.change(query, "no unit '" + id + "'");
    });
}

Status SqliteStorage::renameUnit(const std::string& id, const std::string& name) {
    return m_pool->write(kCannotWrite, [&](Work& work) {
        auto query = work.query("UPDATE units SET name = ?2 WHERE id = ?1");
        query.text(1, id).text(2, name);
        return work.change(query, "no unit '" + id + "'");
    });
}

Status SqliteStorage::retireUnit(const std::string& id) {
    return m_pool->write(kCannotWrite, [&](Work& work) -> Status {
        auto retire = work.query("UPDATE units SET retired = 1 WHERE id = ?1");
        retire.text(1, id);
        if (Status changed = work.change(retire, "no unit '" + id + "'"); !changed) return changed;
        auto codes = work.query("DELETE FROM enrolment_codes WHERE unit_id = ?1 AND used = 0");
        codes.text(1, id);
        return work.run(codes);
    });
}

}  // namespace svarboks::server
