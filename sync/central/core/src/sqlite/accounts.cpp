// SqliteStorage: dashboard accounts and their sessions.
#include "../account_rows.hpp"
#include "pool.hpp"

#include "svarboks/server/sqlite_storage.hpp"

#include <algorithm>

namespace svarboks::server {

namespace {

constexpr std::string_view kSelectUser =
    "SELECT name, password_hash, created_on, failed_logins, locked_until, role, scope, disabled, must_change_password, last_sign_in_at FROM users";

UserAccount userFrom(const sqlite::Query& row) {
    return UserAccount{row.textAt(0),        row.textAt(1),           row.textAt(2),          row.integerAt(3), row.integerAt(4),
                       row.textAt(5),        scopeFrom(row.textAt(6)), row.integerAt(7) != 0, row.integerAt(8) != 0, row.integerAt(9)};
}

Result<std::optional<UserAccount>> findUserIn(Work& work, const std::string& name) {
    auto query = work.query(std::string(kSelectUser) + " WHERE name = ?1");
    query.text(1, name);
    return work.one(query, userFrom);
}

Result<std::int64_t> enabledAdministrators(Work& work) {
    auto query = work.query("SELECT count(*) FROM users WHERE role = 'administrator' AND disabled = 0");
    return work.integer(query);
}

}  // namespace

Status SqliteStorage::addUser(const UserAccount& user) {
    return m_pool->write(kCannotWrite, [&](Work& work) {
        auto query = work.query(
            "INSERT INTO users (name, password_hash, created_on, failed_logins, locked_until, role, scope, disabled, must_change_password, "
            "last_sign_in_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
        const std::string scope = scopeText(user.scope);
        query.text(1, user.name).text(2, user.passwordHash).text(3, user.createdOn).integer(4, user.failedLogins).integer(5, user.lockedUntil);
        query.text(6, user.role).text(7, scope).integer(8, user.disabled ? 1 : 0).integer(9, user.mustChangePassword ? 1 : 0);
        query.integer(10, user.lastSignInAt);
        return work.insert(query, "user '" + user.name + "' already exists");
    });
}

Result<std::vector<UserAccount>> SqliteStorage::users() {
    return m_pool->read(kCannotRead, [&](Work& work) {
        auto query = work.query(std::string(kSelectUser) + " ORDER BY name");
        return work.all(query, userFrom);
    });
}

Result<std::optional<UserAccount>> SqliteStorage::findUser(const std::string& name) {
    return m_pool->read(kCannotRead, [&](Work& work) { return findUserIn(work, name); });
}

Status SqliteStorage::setUserRole(const std::string& name, const std::string& role, const std::vector<std::string>& scope) {
    return m_pool->write(kCannotWrite, [&](Work& work) {
        return keepingAnAdministrator([&] { return enabledAdministrators(work); }, [&] {
            auto query = work.query("UPDATE users SET role = ?2, scope = ?3 WHERE name = ?1");
            const std::string text = scopeText(scope);
            query.text(1, name).text(2, role).text(3, text);
            return work.change(query, "no user '" + name + "'");
        });
    });
}

Status SqliteStorage::removeUser(const std::string& name) {
    return m_pool->write(kCannotWrite, [&](Work& work) {
        return keepingAnAdministrator([&] { return enabledAdministrators(work); }, [&] {
            auto query = work.query("DELETE FROM users WHERE name = ?1");
            query.text(1, name);
            return work.change(query, "there is no user '" + name + "' (see: users list)");
        });
    });
}

Result<std::optional<UserAccount>> SqliteStorage::recordLoginFailure(const std::string& name, int maxFailures, std::int64_t lockUntil) {
    return m_pool->write(kCannotWrite, [&](Work& work) -> Result<std::optional<UserAccount>> {
        auto update = work.query(
            "UPDATE users SET failed_logins = CASE WHEN failed_logins + 1 >= ?2 THEN 0 ELSE failed_logins + 1 END, "
            "locked_until = CASE WHEN failed_logins + 1 >= ?2 THEN ?3 ELSE locked_until END WHERE name = ?1");
        update.text(1, name).integer(2, maxFailures).integer(3, lockUntil);
        if (Status done = work.run(update); !done) return Error{done.message()};
        return findUserIn(work, name);
    });
}

Status SqliteStorage::clearLoginFailures(const std::string& name) {
    return m_pool->write(kCannotWrite, [&](Work& work) {
        auto query = work.query("UPDATE users SET failed_logins = 0, locked_until = 0 WHERE name = ?1");
        query.text(1, name);
        return work.change(query, "there is no user '" + name + "' (see: users list)");
    });
}

Status SqliteStorage::recordLogin(const std::string& name, std::int64_t at) {
    return m_pool->write(kCannotWrite, [&](Work& work) {
        auto query = work.query("UPDATE users SET failed_logins = 0, locked_until = 0, last_sign_in_at = ?2 WHERE name = ?1");
        query.text(1, name).integer(2, at);
        return work.change(query, "there is no user '" + name + "' (see: users list)");
    });
}

Status SqliteStorage::setUserDisabled(const std::string& name, bool disabled) {
    return m_pool->write(kCannotWrite, [&](Work& work) -> Status {
        const Status changed = keepingAnAdministrator([&] { return enabledAdministrators(work); }, [&] {
            auto update = work.query("UPDATE users SET disabled = ?2 WHERE name = ?1");
            update.text(1, name).integer(2, disabled ? 1 : 0);
            return work.change(update, "there is no user '" + name + "' (see: users list)");
        });
        if (!changed) return changed;
        if (!disabled) return {};
        auto sessions = work.query("DELETE FROM sessions WHERE user_name = ?1");
        sessions.text(1, name);
        return work.run(sessions);
    });
}

Status SqliteStorage::setUserPassword(const std::string& name, const std::string& passwordHash, bool mustChange, const std::string& keepSession) {
    return m_pool->write(kCannotWrite, [&](Work& work) -> Status {
        auto update = work.query("UPDATE users SET password_hash = ?2, must_change_password = ?3, failed_logins = 0, locked_until = 0 WHERE name = ?1");
        update.text(1, name).text(2, passwordHash).integer(3, mustChange ? 1 : 0);
        if (Status changed = work.change(update, "there is no user '" + name + "' (see: users list)"); !changed) return changed;
        auto sessions = work.query("DELETE FROM sessions WHERE user_name = ?1 AND token_sha256 != ?2");
        sessions.text(1, name).text(2, keepSession);
        return work.run(sessions);
    });
}

Status SqliteStorage::addSession(const Session& session) {
    return m_pool->write(kCannotWrite, [&](Work& work) {
        auto query = work.query("INSERT INTO sessions (token_sha256, user_name, created_at, last_used_at) VALUES (?1, ?2, ?3, ?4)");
        query.text(1, session.tokenSha256).text(2, session.userName).integer(3, session.createdAt).integer(4, session.lastUsedAt);
        return work.run(query);
    });
}

Result<std::optional<Session>> SqliteStorage::findSession(const std::string& tokenSha256) {
    return m_pool->read(kCannotRead, [&](Work& work) {
        auto query = work.query("SELECT token_sha256, user_name, created_at, last_used_at FROM sessions WHERE token_sha256 = ?1");
        query.text(1, tokenSha256);
        return work.one(query, [](const sqlite::Query& row) { return Session{row.textAt(0), row.textAt(1), row.integerAt(2), row.integerAt(3)}; });
    });
}

Status SqliteStorage::touchSession(const std::string& tokenSha256, std::int64_t lastUsedAt) {
    return m_pool->write(kCannotWrite, [&](Work& work) {
        auto query = work.query("UPDATE sessions SET last_used_at = max(last_used_at, ?2) WHERE token_sha256 = ?1");
        query.text(1, tokenSha256).integer(2, lastUsedAt);
        return work.run(query);
    });
}

Status SqliteStorage::removeSession(const std::string& tokenSha256) {
    return m_pool->write(kCannotWrite, [&](Work& work) {
        auto query = work.query("DELETE FROM sessions WHERE token_sha256 = ?1");
        query.text(1, tokenSha256);
        return work.run(query);
    });
}

Status SqliteStorage::removeExpiredSessions(std::int64_t createdBefore, std::int64_t usedBefore) {
    return m_pool->write(kCannotWrite, [&](Work& work) {
        auto query = work.query("DELETE FROM sessions WHERE created_at < ?1 OR last_used_at < ?2");
        query.integer(1, createdBefore).integer(2, usedBefore);
        return work.run(query);
    });
}

}  // namespace svarboks::server
