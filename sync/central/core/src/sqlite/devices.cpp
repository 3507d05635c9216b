// SqliteStorage: enrolment codes and devices.
#include "pool.hpp"

#include "svarboks/server/sqlite_storage.hpp"

namespace svarboks::server {

namespace {

Device deviceFrom(const sqlite::Query& row) {
    return Device{row.textAt(0), row.textAt(1), row.textAt(2), row.textAt(3), row.integerAt(4) != 0, row.textAt(5), row.textAt(6)};
}

}  // namespace

Status requireUnit(Work& work, const std::string& unitId) {
    auto unit = work.query("SELECT 1 FROM units WHERE id = ?1");
    unit.text(1, unitId);
    switch (unit.step()) {
        case Step::Row: return {};
        case Step::Done: return Error{"there is no unit '" + unitId + "' (add it with: units add " + unitId + " --name NAME)"};
        case Step::Failed: break;
    }
    return work.fail();
}

Status SqliteStorage::addEnrolmentCode(const std::string& codeSha256, const std::string& unitId, std::int64_t expiresAt) {
    return m_pool->write(kCannotWrite, [&](Work& work) -> Status {
        if (Status unit = requireUnit(work, unitId); !unit) return unit;
        auto retired = work.query("SELECT 1 FROM units WHERE id = ?1 AND retired = 1");
        retired.text(1, unitId);
        switch (retired.step()) {
            case Step::Row: return Error{"unit '" + unitId + "' is retired: it gets no new enrolment code"};
            case Step::Done: break;
            case Step::Failed: return work.fail();
        }
        auto insert = work.query("INSERT INTO enrolment_codes (code_sha256, unit_id, expires_at) VALUES (?1, ?2, ?3)");
        insert.text(1, codeSha256).text(2, unitId).integer(3, expiresAt);
        return work.run(insert);
    });
}

Result<EnrolOutcome> SqliteStorage::enrol(const EnrolAttempt& attempt) {
    return m_pool->write("cannot enrol", [&](Work& work) -> Result<EnrolOutcome> {
        // Replay tokens live only for their window; wiping them here keeps the table free of old ones
        // without a timer (and secure_delete overwrites the freed bytes).
        auto wipe = work.query("UPDATE enrolment_codes SET replay_token = NULL, replay_until = NULL "
                               "WHERE replay_token IS NOT NULL AND replay_until <= ?1");
        wipe.integer(1, attempt.now);
        if (!wipe.run()) return work.fail();

        EnrolOutcome outcome;
        auto code = work.query("SELECT c.unit_id, u.name, c.expires_at, c.used, c.request_id, c.device_id, c.replay_token "
                               "FROM enrolment_codes c JOIN units u ON u.id = c.unit_id WHERE c.code_sha256 = ?1");
        code.text(1, attempt.codeSha256);
        const Step found = code.step();
        if (found == Step::Done) return outcome;
        if (found != Step::Row) return work.fail();
        outcome.unit = {code.textAt(0), code.textAt(1), {}};  // the enrol answer names the unit; its group plays no part
        const std::int64_t expiresAt = code.integerAt(2);
        const bool used = code.integerAt(3) != 0;
        const std::string requestId = code.textAt(4);
        const std::string deviceId = code.textAt(5);
        const bool replayable = !code.isNull(6);
        std::string replayToken = code.blobAt(6);
        code.reset();

        if (used) {
            if (replayable && requestId == attempt.requestId) {
                auto device = work.query("SELECT revoked FROM devices WHERE id = ?1");
                device.text(1, deviceId);
                const Step revoked = device.step();
                if (revoked == Step::Failed) return work.fail();
                if (revoked == Step::Row && device.integerAt(0) == 0) {
                    outcome.kind = EnrolOutcome::Kind::Replayed;
                    outcome.deviceId = deviceId;
                    outcome.replayToken = std::move(replayToken);
                }
            }
            return outcome;
        }
        if (expiresAt <= attempt.now) return outcome;

        auto insert = work.query("INSERT INTO devices (id, token_sha256, unit_id, enrolled_on) VALUES (?1, ?2, ?3, ?4)");
        insert.text(1, attempt.newDeviceId).text(2, attempt.newTokenSha256).text(3, outcome.unit.id).text(4, attempt.today);
        if (!insert.run()) return work.fail();
        auto mark = work.query("UPDATE enrolment_codes SET used = 1, request_id = ?2, device_id = ?3, replay_token = ?4, "
                               "replay_until = ?5 WHERE code_sha256 = ?1");
        mark.text(1, attempt.codeSha256).text(2, attempt.requestId).text(3, attempt.newDeviceId);
        mark.blob(4, attempt.replayToken).integer(5, attempt.replayUntil);
        if (!mark.run()) return work.fail();
        outcome.kind = EnrolOutcome::Kind::Created;
        outcome.deviceId = attempt.newDeviceId;
        return outcome;
    });
}

Result<std::optional<Device>> SqliteStorage::authenticate(const std::string& tokenSha256, const std::string& today) {
    auto device = m_pool->read(kCannotRead, [&](Work& work) {
        auto query = work.query("SELECT id, unit_id, enrolled_on, last_seen_on, revoked, survey_id, survey_version FROM devices WHERE token_sha256 = ?1");
        query.text(1, tokenSha256);
        return work.one(query, deviceFrom);
    });
    if (!device || !*device || (*device)->revoked || (*device)->lastSeenOn == today) return device;
    const Status touched = m_pool->write(kCannotWrite, [&](Work& work) {
        auto touch = work.query("UPDATE devices SET last_seen_on = ?2 WHERE id = ?1");
        touch.text(1, (*device)->id).text(2, today);
        return work.run(touch);
    });
    if (!touched) return Error{touched.message()};
    (*device)->lastSeenOn = today;
    return device;
}

Result<std::optional<Device>> SqliteStorage::findDevice(const std::string& id) {
    return m_pool->read(kCannotRead, [&](Work& work) {
        auto query = work.query("SELECT id, unit_id, enrolled_on, last_seen_on, revoked, survey_id, survey_version FROM devices WHERE id = ?1");
        query.text(1, id);
        return work.one(query, deviceFrom);
    });
}

Result<std::vector<Device>> SqliteStorage::devices() {
    return m_pool->read(kCannotRead, [&](Work& work) {
        auto query = work.query("SELECT id, unit_id, enrolled_on, last_seen_on, revoked, survey_id, survey_version FROM devices ORDER BY unit_id, enrolled_on, id");
        return work.all(query, deviceFrom);
    });
}

Status SqliteStorage::revokeDevice(const std::string& id) {
    return m_pool->write(kCannotWrite, [&](Work& work) {
        auto query = work.query("UPDATE devices SET revoked = 1 WHERE id = ?1");
        query.text(1, id);
        return work.change(query, "there is no device '" + id + "' (see: devices list)");
    });
}

Status SqliteStorage::setDeviceSurvey(const std::string& id, const std::string& surveyId, const std::string& version) {
    return m_pool->write(kCannotWrite, [&](Work& work) {
        auto query = work.query("UPDATE devices SET survey_id = ?2, survey_version = ?3 WHERE id = ?1");
        query.text(1, id).text(2, surveyId).text(3, version);
        return work.run(query);
    });
}

}  // namespace svarboks::server
