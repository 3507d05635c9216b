#include "svarboks/server/account_admin.hpp"

#include "svarboks/server/accounts.hpp"

#include <algorithm>
#include <set>

namespace svarboks::server {

namespace {

AdminError storeError(const std::string& message) { return {AdminProblem::Store, message}; }

// A store's refusal of a change that raced another (two administrators disabling each other at once) is
// the same refusal as the check before it, not a store failure.
AdminError changeError(const std::string& name, const std::string& message) {
    if (message == kNoAdministratorLeft) {
        return {AdminProblem::LastAdministrator, "'" + name + "' is the last enabled administrator: add or enable another administrator first"};
    }
    return storeError(message);
}

std::string joined(const std::vector<std::string>& items) {
    std::string text;
    for (const auto& item : items) text += (text.empty() ? "" : ", ") + item;
    return text;
}

bool administers(const UserAccount& account) { return account.role == roleName(Role::Administrator); }

}  // namespace

bool isLocked(const UserAccount& account, TimePoint now) { return account.lockedUntil > unixSeconds(now); }

std::string describeScope(const std::vector<std::string>& scope) {
    std::vector<std::string> units;
    std::vector<std::string> groups;
    for (const auto& entry : scope) {
        if (entry.rfind("unit:", 0) == 0) units.push_back(entry.substr(5));
        else if (entry.rfind("group:", 0) == 0) groups.push_back(entry.substr(6));
    }
    std::string text = units.empty() ? "" : "units " + joined(units);
    if (!groups.empty()) text += (text.empty() ? "" : "; ") + std::string("groups ") + joined(groups);
    return text;
}

AccountAdmin::AccountAdmin(Storage& storage, std::string actor, Clock clock, PasswordCost cost)
    : m_storage(storage), m_actor(std::move(actor)), m_clock(std::move(clock)), m_cost(cost) {}

Result<std::vector<UserAccount>> AccountAdmin::accounts() {
    auto users = m_storage.users();
    if (!users) return users.error();
    for (auto& user : *users) user.passwordHash.clear();
    return users;
}

Result<std::vector<std::string>> AccountAdmin::groups() {
    auto units = m_storage.units();
    if (!units) return units.error();
    std::set<std::string> groups;
    for (const auto& unit : *units) groups.insert(unit.group);
    auto rounds = m_storage.rounds();
    if (!rounds) return rounds.error();
    for (const auto& round : *rounds) {
        if (round.releasedOn.empty()) continue;
        auto members = m_storage.roundUnits(round.id);
        if (!members) return members.error();
        for (const auto& member : *members) groups.insert(member.group);
    }
    groups.erase("");
    return std::vector<std::string>(groups.begin(), groups.end());
}

AdminResult<UserAccount> AccountAdmin::existing(const std::string& name) {
    auto found = m_storage.findUser(name);
    if (!found) return storeError(found.error().message);
    if (!*found) return AdminError{AdminProblem::UnknownUser, "there is no account '" + name + "' (see: users list)"};
    return **found;
}

AdminStatus AccountAdmin::audit(const std::string& action, const std::string& detail) { return auditChange(m_storage, m_clock(), m_actor, action, detail); }

AdminResult<std::vector<std::string>> AccountAdmin::checkRole(const AccountChange& account) {
    const auto role = parseRole(account.role);
    if (!role) return AdminError{AdminProblem::InvalidRole, "role " + role.error().message};
    std::vector<std::string> scope;
    if (*role != Role::UnitLeader) {
        if (!account.units.empty() || !account.groups.empty()) {
            return AdminError{AdminProblem::ScopeNotAllowed, "units and groups are for the unit-leader role only (the other roles see every unit)"};
        }
        return scope;
    }
    if (account.units.empty() && account.groups.empty()) {
        return AdminError{AdminProblem::MissingScope, "a unit leader needs the units or groups they lead: give at least one"};
    }
    for (const auto& id : account.units) {
        auto unit = m_storage.findUnit(id);
        if (!unit) return storeError(unit.error().message);
        if (!*unit) return AdminError{AdminProblem::UnknownScopeUnit, "there is no unit '" + id + "' (see: units list)"};
        scope.push_back("unit:" + id);
    }
    if (!account.groups.empty()) {
        auto known = groups();
        if (!known) return storeError(known.error().message);
        for (const auto& group : account.groups) {
            if (std::find(known->begin(), known->end(), group) == known->end()) {
                return AdminError{AdminProblem::UnknownScopeGroup, "there is no group '" + group + "' (groups are made with: units group)"};
            }
            scope.push_back("group:" + group);
        }
    }
    std::vector<std::string> distinct;
    for (auto& entry : scope) {
        if (std::find(distinct.begin(), distinct.end(), entry) == distinct.end()) distinct.push_back(std::move(entry));
    }
    return distinct;
}

AdminStatus AccountAdmin::keepAnAdministrator(const UserAccount& account, const std::string& what) {
    if (account.name == m_actor) {
        return AdminError{AdminProblem::SelfLockout, "you cannot " + what + " your own account: ask another administrator"};
    }
    if (!administers(account) || account.disabled) return AdminDone{};
    auto users = m_storage.users();
    if (!users) return storeError(users.error().message);
    const bool another = std::any_of(users->begin(), users->end(), [&](const UserAccount& user) {
        return user.name != account.name && administers(user) && !user.disabled;
    });
    if (another) return AdminDone{};
    return AdminError{AdminProblem::LastAdministrator,
                      "'" + account.name + "' is the last enabled administrator: add or enable another administrator first"};
}

AdminResult<std::string> AccountAdmin::hash(const std::string& password) {
    auto hashed = hashPassword(password, m_cost);
    if (!hashed) return storeError(hashed.error().message);
    return *hashed;
}

AdminResult<std::string> AccountAdmin::add(const AccountChange& account, FirstPassword how, const std::string& password) {
    if (!isValidUserName(account.name)) {
        return AdminError{AdminProblem::InvalidUserName, "account name '" + account.name + "': use 1-64 characters of a-z, 0-9, '.', '_', '-' "
                                                         "and '@', starting with a letter or digit"};
    }
    auto scope = checkRole(account);
    if (!scope) return scope.error();
    const std::string chosen = how == FirstPassword::Given ? password : generatePassword();
    if (auto status = checkNewPassword(chosen); !status) return AdminError{AdminProblem::InvalidPassword, status.message()};
    auto found = m_storage.findUser(account.name);
    if (!found) return storeError(found.error().message);
    if (*found) return AdminError{AdminProblem::TakenUserName, "account name '" + account.name + "' is taken: choose another"};
    auto hashed = hash(chosen);
    if (!hashed) return hashed.error();
    UserAccount user{account.name, *hashed, localDate(m_clock()), 0, 0, account.role, *scope};
    user.mustChangePassword = how == FirstPassword::OneTime;
    if (auto status = m_storage.addUser(user); !status) return storeError(status.message());
    const std::string where = describeScope(*scope);
    if (auto audited = audit("add-user", account.name + " as " + account.role + (where.empty() ? "" : " (" + where + ")") +
                                             (user.mustChangePassword ? ", chooses a password at first sign-in" : ""));
        !audited) {
        return audited.error();
    }
    return how == FirstPassword::Given ? std::string() : chosen;
}

AdminStatus AccountAdmin::setRole(const AccountChange& account) {
    auto user = existing(account.name);
    if (!user) return user.error();
    auto scope = checkRole(account);
    if (!scope) return scope.error();
    if (account.role != roleName(Role::Administrator)) {
        if (auto kept = keepAnAdministrator(*user, "take the administrator role from"); !kept) return kept.error();
    }
    if (auto status = m_storage.setUserRole(account.name, account.role, *scope); !status) return changeError(account.name, status.message());
    const std::string where = describeScope(*scope);
    return audit("set-role", account.name + " to " + account.role + (where.empty() ? "" : " (" + where + ")"));
}

AdminStatus AccountAdmin::disable(const std::string& name) {
    auto user = existing(name);
    if (!user) return user.error();
    if (auto kept = keepAnAdministrator(*user, "disable"); !kept) return kept.error();
    if (auto status = m_storage.setUserDisabled(name, true); !status) return changeError(name, status.message());
    return audit("disable-user", name);
}

AdminStatus AccountAdmin::enable(const std::string& name) {
    auto user = existing(name);
    if (!user) return user.error();
    if (auto status = m_storage.setUserDisabled(name, false); !status) return storeError(status.message());
    return audit("enable-user", name);
}

AdminResult<std::string> AccountAdmin::resetPassword(const std::string& name) {
    auto user = existing(name);
    if (!user) return user.error();
    if (name == m_actor) {
        return AdminError{AdminProblem::SelfLockout, "you cannot reset your own password here: change it under Password (your current one is asked)"};
    }
    const std::string password = generatePassword();
    auto hashed = hash(password);
    if (!hashed) return hashed.error();
    if (auto status = m_storage.setUserPassword(name, *hashed, true, ""); !status) return storeError(status.message());
    if (auto audited = audit("reset-password", name); !audited) return audited.error();
    return password;
}

AdminStatus AccountAdmin::unlock(const std::string& name) {
    auto user = existing(name);
    if (!user) return user.error();
    if (auto status = m_storage.clearLoginFailures(name); !status) return storeError(status.message());
    return audit("unlock-user", name);
}

AdminStatus AccountAdmin::remove(const std::string& name) {
    auto user = existing(name);
    if (!user) return user.error();
    if (auto kept = keepAnAdministrator(*user, "remove"); !kept) return kept.error();
    if (auto status = m_storage.removeUser(name); !status) return changeError(name, status.message());
    return audit("remove-user", name);
}

AdminStatus AccountAdmin::changeOwnPassword(const std::string& current, const std::string& password, const std::string& again,
                                            const std::string& keepSession) {
    auto user = existing(m_actor);
    if (!user) return user.error();
    // Someone at an unattended signed-in browser must not learn the password by guessing here where the
    // sign-in page would stop them: wrong current passwords count towards the same lock, and a locked
    // account is not checked at all.
    const AccountOptions policy;
    const std::int64_t now = unixSeconds(m_clock());
    if (user->lockedUntil > now) {
        return AdminError{AdminProblem::AccountLocked, "too many wrong passwords: the account is locked for " +
                                                           std::to_string((user->lockedUntil - now + 59) / 60) + " minutes"};
    }
    if (!verifyPassword(user->passwordHash, current)) {
        const auto counted = m_storage.recordLoginFailure(m_actor, policy.maxFailures, now + policy.lockout.count());
        if (!counted) return storeError(counted.error().message);
        return AdminError{AdminProblem::WrongPassword, "the current password is not right: type the one you signed in with"};
    }
    if (auto status = checkNewPassword(password); !status) return AdminError{AdminProblem::InvalidPassword, status.message()};
    if (password == current) return AdminError{AdminProblem::InvalidPassword, "the new password is the current one: choose another"};
    if (again != password) return AdminError{AdminProblem::PasswordsDiffer, "the two new passwords differ: type the same one twice"};
    auto hashed = hash(password);
    if (!hashed) return hashed.error();
    if (auto status = m_storage.setUserPassword(m_actor, *hashed, false, keepSession); !status) return storeError(status.message());
    return audit("change-password", m_actor);
}

}  // namespace svarboks::server
