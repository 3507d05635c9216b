// PostgresStorage: enrolment codes and devices.
#include "pool.hpp"

#include "svarboks/server/postgresql_storage.hpp"

namespace svarboks::server {

namespace {

constexpr std::string_view kSelectDevice = "SELECT id, unit_id, enrolled_on, last_seen_on, revoked, survey_id, survey_version FROM devices";

Device deviceFrom(const pq::Rows& rows, int i) {
    return Device{rows.text(i, 0), rows.text(i, 1), rows.text(i, 2), rows.text(i, 3), rows.integer(i, 4) != 0, rows.text(i, 5), rows.text(i, 6)};
}

}  // namespace

Status PostgresStorage::addEnrolmentCode(const std::string& codeSha256, const std::string& unitId, std::int64_t expiresAt) {
    return m_pool->write(kPgCannotWrite, [&](PgWork& work) -> Status {
        // Shared: a unit retired at this moment (exclusive) either sees this code and deletes it, or comes first.
        if (Status locked = work.lockStore(false); !locked) return locked;
        if (Status unit = requirePgUnit(work, unitId); !unit) return unit;
        auto retired = work.exec("SELECT 1 FROM units WHERE id = $1 AND retired = 1", pq::Params().text(unitId));
        if (!retired) return retired.error();
        if (!retired->empty()) return Error{"unit '" + unitId + "' is retired: it gets no new enrolment code"};
        return work.run("INSERT INTO enrolment_codes (code_sha256, unit_id, expires_at) VALUES ($1, $2, $3)",
                        pq::Params().text(codeSha256).text(unitId).integer(expiresAt));
    });
}

Result<EnrolOutcome> PostgresStorage::enrol(const EnrolAttempt& attempt) {
    return m_pool->write("cannot enrol", [&](PgWork& work) -> Result<EnrolOutcome> {
        // Replay tokens live only for their window; wiping them here keeps the table free of old ones without a timer.
        if (Status wiped = work.run("UPDATE enrolment_codes SET replay_token = NULL, replay_until = NULL "
                                    "WHERE replay_token IS NOT NULL AND replay_until <= $1",
                                    pq::Params().integer(attempt.now));
            !wiped) {
            return Error{wiped.message()};
        }
        EnrolOutcome outcome;
        // FOR UPDATE: a second replica with the same code waits here, then reads the code as the first left it.
        auto code = work.exec("SELECT c.unit_id, u.name, c.expires_at, c.used, coalesce(c.request_id, ''), coalesce(c.device_id, ''), "
                              "c.replay_token IS NOT NULL, c.replay_token "
                              "FROM enrolment_codes c JOIN units u ON u.id = c.unit_id WHERE c.code_sha256 = $1 FOR UPDATE OF c",
                              pq::Params().text(attempt.codeSha256));
        if (!code) return code.error();
        if (code->empty()) return outcome;
        outcome.unit = {code->text(0, 0), code->text(0, 1), {}};  // the enrol answer names the unit; its group plays no part
        const std::int64_t expiresAt = code->integer(0, 2);
        const bool used = code->integer(0, 3) != 0;
        const std::string requestId = code->text(0, 4);
        const std::string deviceId = code->text(0, 5);
        const bool replayable = code->text(0, 6) == "t";

        if (used) {
            if (replayable && requestId == attempt.requestId) {
                auto revoked = work.exec("SELECT revoked FROM devices WHERE id = $1", pq::Params().text(deviceId));
                if (!revoked) return revoked.error();
                if (!revoked->empty() && revoked->integer(0, 0) == 0) {
                    outcome.kind = EnrolOutcome::Kind::Replayed;
                    outcome.deviceId = deviceId;
                    outcome.replayToken = code->bytes(0, 7);
                }
            }
            return outcome;
        }
        if (expiresAt <= attempt.now) return outcome;

        if (Status inserted = work.run("INSERT INTO devices (id, token_sha256, unit_id, enrolled_on) VALUES ($1, $2, $3, $4)",
                                       pq::Params().text(attempt.newDeviceId).text(attempt.newTokenSha256).text(outcome.unit.id).text(attempt.today));
            !inserted) {
            return Error{inserted.message()};
        }
        if (Status marked = work.run("UPDATE enrolment_codes SET used = 1, request_id = $2, device_id = $3, replay_token = $4, "
                                     "replay_until = $5 WHERE code_sha256 = $1",
                                     pq::Params()
                                         .text(attempt.codeSha256)
                                         .text(attempt.requestId)
                                         .text(attempt.newDeviceId)
                                         .bytes(attempt.replayToken)
                                         .integer(attempt.replayUntil));
            !marked) {
            return Error{marked.message()};
        }
        outcome.kind = EnrolOutcome::Kind::Created;
        outcome.deviceId = attempt.newDeviceId;
        return outcome;
    });
}

Result<std::optional<Device>> PostgresStorage::authenticate(const std::string& tokenSha256, const std::string& today) {
    auto device = m_pool->read(kPgCannotRead, [&](PgWork& work) {
        return work.one(std::string(kSelectDevice) + " WHERE token_sha256 = $1", pq::Params().text(tokenSha256), deviceFrom);
    });
    if (!device || !*device || (*device)->revoked || (*device)->lastSeenOn == today) return device;
    // One statement on its own (no transaction, no lock): replicas touching the same kiosk both write the same date.
    const Status touched = m_pool->read(kPgCannotWrite, [&](PgWork& work) {
        return work.run("UPDATE devices SET last_seen_on = $2 WHERE id = $1 AND last_seen_on <> $2", pq::Params().text((*device)->id).text(today));
    });
    if (!touched) return Error{touched.message()};
    (*device)->lastSeenOn = today;
    return device;
}

Result<std::optional<Device>> PostgresStorage::findDevice(const std::string& id) {
    return m_pool->read(kPgCannotRead, [&](PgWork& work) { return work.one(std::string(kSelectDevice) + " WHERE id = $1", pq::Params().text(id), deviceFrom); });
}

Result<std::vector<Device>> PostgresStorage::devices() {
    return m_pool->read(kPgCannotRead, [&](PgWork& work) {
        return work.all(std::string(kSelectDevice) + " ORDER BY unit_id, enrolled_on, id", {}, deviceFrom);
    });
}

Status PostgresStorage::revokeDevice(const std::string& id) {
    return m_pool->read(kPgCannotWrite, [&](PgWork& work) {
        return work.change("UPDATE devices SET revoked = 1 WHERE id = $1", pq::Params().text(id), "there is no device '" + id + "' (see: devices list)");
    });
}

Status PostgresStorage::setDeviceSurvey(const std::string& id, const std::string& surveyId, const std::string& version) {
    return m_pool->read(kPgCannotWrite, [&](PgWork& work) {
        return work.run("UPDATE devices SET survey_id = $2, survey_version = $3 WHERE id = $1", pq::Params().text(id).text(surveyId).text(version));
    });
}

}  // namespace svarboks::server
