// PostgresStorage: dashboard accounts and their sessions. Changes of an account's role, password, state
// or existence hold the store lock exclusively; sign-in bookkeeping and sessions are single statements.
#include "../account_rows.hpp"
#include "pool.hpp"

#include "svarboks/server/postgresql_storage.hpp"

#include <algorithm>

namespace svarboks::server {

namespace {

constexpr std::string_view kUserColumns =
    "name, password_hash, created_on, failed_logins, locked_until, role, scope, disabled, must_change_password, last_sign_in_at";

UserAccount userFrom(const pq::Rows& rows, int i) {
    return UserAccount{rows.text(i, 0), rows.text(i, 1),           rows.text(i, 2),           rows.integer(i, 3),        rows.integer(i, 4),
                       rows.text(i, 5), scopeFrom(rows.text(i, 6)), rows.integer(i, 7) != 0, rows.integer(i, 8) != 0, rows.integer(i, 9)};
}

std::string noUser(const std::string& name) { return "there is no user '" + name + "' (see: users list)"; }

Result<std::int64_t> enabledAdministrators(PgWork& work) {
    return work.integer("SELECT count(*) FROM users WHERE role = 'administrator' AND disabled = 0");
}

}  // namespace

Status PostgresStorage::addUser(const UserAccount& user) {
    return m_pool->write(kPgCannotWrite, [&](PgWork& work) -> Status {
        if (Status locked = work.lockStore(true); !locked) return locked;
        return work.insert("INSERT INTO users (" + std::string(kUserColumns) + ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                           pq::Params()
                               .text(user.name)
                               .text(user.passwordHash)
                               .text(user.createdOn)
                               .integer(user.failedLogins)
                               .integer(user.lockedUntil)
                               .text(user.role)
                               .text(scopeText(user.scope))
                               .integer(user.disabled ? 1 : 0)
                               .integer(user.mustChangePassword ? 1 : 0)
                               .integer(user.lastSignInAt),
                           "user '" + user.name + "' already exists");
    });
}

Result<std::vector<UserAccount>> PostgresStorage::users() {
    return m_pool->read(kPgCannotRead, [&](PgWork& work) { return work.all("SELECT " + std::string(kUserColumns) + " FROM users ORDER BY name", {}, userFrom); });
}

Result<std::optional<UserAccount>> PostgresStorage::findUser(const std::string& name) {
    return m_pool->read(kPgCannotRead, [&](PgWork& work) {
        return work.one("SELECT " + std::string(kUserColumns) + " FROM users WHERE name = $1", pq::Params().text(name), userFrom);
    });
}

Status PostgresStorage::setUserRole(const std::string& name, const std::string& role, const std::vector<std::string>& scope) {
    return m_pool->write(kPgCannotWrite, [&](PgWork& work) -> Status {
        if (Status locked = work.lockStore(true); !locked) return locked;
        return keepingAnAdministrator([&] { return enabledAdministrators(work); }, [&] {
            return work.change("UPDATE users SET role = $2, scope = $3 WHERE name = $1", pq::Params().text(name).text(role).text(scopeText(scope)),
                               "no user '" + name + "'");
        });
    });
}

Status PostgresStorage::removeUser(const std::string& name) {
    return m_pool->write(kPgCannotWrite, [&](PgWork& work) -> Status {
        if (Status locked = work.lockStore(true); !locked) return locked;
        return keepingAnAdministrator([&] { return enabledAdministrators(work); }, [&] { return work.change("DELETE FROM users WHERE name = $1", pq::Params().text(name), noUser(name)); });
    });
}

Result<std::optional<UserAccount>> PostgresStorage::recordLoginFailure(const std::string& name, int maxFailures, std::int64_t lockUntil) {
    // One statement: two replicas counting wrong passwords at once each add one (the row lock orders them).
    return m_pool->read(kPgCannotWrite, [&](PgWork& work) {
        return work.one("UPDATE users SET failed_logins = CASE WHEN failed_logins + 1 >= $2 THEN 0 ELSE failed_logins + 1 END, "
                        "locked_until = CASE WHEN failed_logins + 1 >= $2 THEN $3 ELSE locked_until END WHERE name = $1 RETURNING " +
                            std::string(kUserColumns),
                        pq::Params().text(name).integer(maxFailures).integer(lockUntil), userFrom);
    });
}

Status PostgresStorage::clearLoginFailures(const std::string& name) {
    return m_pool->read(kPgCannotWrite, [&](PgWork& work) {
        return work.change("UPDATE users SET failed_logins = 0, locked_until = 0 WHERE name = $1", pq::Params().text(name), noUser(name));
    });
}

Status PostgresStorage::recordLogin(const std::string& name, std::int64_t at) {
    return m_pool->read(kPgCannotWrite, [&](PgWork& work) {
        return work.change("UPDATE users SET failed_logins = 0, locked_until = 0, last_sign_in_at = $2 WHERE name = $1",
                           pq::Params().text(name).integer(at), noUser(name));
    });
}

Status PostgresStorage::setUserDisabled(const std::string& name, bool disabled) {
    return m_pool->write(kPgCannotWrite, [&](PgWork& work) -> Status {
        if (Status locked = work.lockStore(true); !locked) return locked;
        const Status changed = keepingAnAdministrator([&] { return enabledAdministrators(work); }, [&] {
            return work.change("UPDATE users SET disabled = $2 WHERE name = $1", pq::Params().text(name).integer(disabled ? 1 : 0), noUser(name));
        });
        if (!changed) return changed;
        if (!disabled) return {};
        return work.run("DELETE FROM sessions WHERE user_name = $1", pq::Params().text(name));
    });
}

Status PostgresStorage::setUserPassword(const std::string& name, const std::string& passwordHash, bool mustChange, const std::string& keepSession) {
    return m_pool->write(kPgCannotWrite, [&](PgWork& work) -> Status {
        if (Status locked = work.lockStore(true); !locked) return locked;
        if (Status changed = work.change("UPDATE users SET password_hash = $2, must_change_password = $3, failed_logins = 0, locked_until = 0 WHERE name = $1",
                                         pq::Params().text(name).text(passwordHash).integer(mustChange ? 1 : 0), noUser(name));
            !changed) {
            return changed;
        }
        return work.run("DELETE FROM sessions WHERE user_name = $1 AND token_sha256 <> $2", pq::Params().text(name).text(keepSession));
    });
}

Status PostgresStorage::addSession(const Session& session) {
    // The account's row is read FOR SHARE: an account being disabled on another replica (which deletes its
    // sessions) is waited for, and then gets no new session.
    return m_pool->write(kPgCannotWrite, [&](PgWork& work) -> Status {
        auto user = work.exec("SELECT disabled FROM users WHERE name = $1 FOR SHARE", pq::Params().text(session.userName));
        if (!user) return user.error();
        if (user->empty()) return work.fail(noUser(session.userName));
        if (user->integer(0, 0) != 0) return work.fail("account '" + session.userName + "' is disabled");
        return work.run("INSERT INTO sessions (token_sha256, user_name, created_at, last_used_at) VALUES ($1, $2, $3, $4)",
                        pq::Params().text(session.tokenSha256).text(session.userName).integer(session.createdAt).integer(session.lastUsedAt));
    });
}

Result<std::optional<Session>> PostgresStorage::findSession(const std::string& tokenSha256) {
    return m_pool->read(kPgCannotRead, [&](PgWork& work) {
        return work.one("SELECT token_sha256, user_name, created_at, last_used_at FROM sessions WHERE token_sha256 = $1", pq::Params().text(tokenSha256),
                        [](const pq::Rows& rows, int i) { return Session{rows.text(i, 0), rows.text(i, 1), rows.integer(i, 2), rows.integer(i, 3)}; });
    });
}

Status PostgresStorage::touchSession(const std::string& tokenSha256, std::int64_t lastUsedAt) {
    return m_pool->read(kPgCannotWrite, [&](PgWork& work) {
        return work.run("UPDATE sessions SET last_used_at = greatest(last_used_at, $2) WHERE token_sha256 = $1", pq::Params().text(tokenSha256).integer(lastUsedAt));
    });
}

Status PostgresStorage::removeSession(const std::string& tokenSha256) {
    return m_pool->read(kPgCannotWrite, [&](PgWork& work) { return work.run("DELETE FROM sessions WHERE token_sha256 = $1", pq::Params().text(tokenSha256)); });
}

Status PostgresStorage::removeExpiredSessions(std::int64_t createdBefore, std::int64_t usedBefore) {
    return m_pool->read(kPgCannotWrite, [&](PgWork& work) {
        return work.run("DELETE FROM sessions WHERE created_at < $1 OR last_used_at < $2", pq::Params().integer(createdBefore).integer(usedBefore));
    });
}

}  // namespace svarboks::server
