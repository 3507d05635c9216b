#pragma once
// Administering the dashboard's accounts: the operations that `svarboks-central users` and the dashboard's
// Accounts pages (and its own-password page) both call, so that each rule lives once. Every input is
// checked here, every refusal says which input and what to fix (AdminError, administration.hpp), and
// every change is written to the audit log under the name of whoever made it, never with a password.
//
// A password made here is shown once, to whoever asked, and only its Argon2id hash is stored. An account
// given a one-time password (when added so, or reset) must choose its own at its next sign-in before it
// sees anything else. Disabling an account, resetting its password or removing it ends its sessions.
// No change may leave the dashboard without an enabled administrator, and an administrator cannot
// disable, remove, demote or reset themselves here (their own password they change as any user does).
//
// Thread-safe as the store is: one AccountAdmin per caller (it names who acts).
#include "svarboks/server/accounts.hpp"
#include "svarboks/server/administration.hpp"
#include "svarboks/server/clock.hpp"
#include "svarboks/server/storage.hpp"

#include <string>
#include <vector>

namespace svarboks::server {

/// An account's role and a unit leader's scope, as a form or the command line gives them.
struct AccountChange {
    std::string name;
    std::string role = "administrator";  ///< administrator, analyst, unit-leader
    std::vector<std::string> units;      ///< a unit leader's unit ids (existing units)
    std::vector<std::string> groups;     ///< a unit leader's groups (groups of units now or in a released round)
};

/// How a new account gets its first password.
enum class FirstPassword {
    Given,      ///< the one passed in (typed on the command line); the user keeps it
    Generated,  ///< made here and shown once; the user keeps it
    OneTime,    ///< made here and shown once; the user chooses their own at the first sign-in
};

/// Whether an account is locked after wrong passwords at `now`.
[[nodiscard]] bool isLocked(const UserAccount& account, TimePoint now);
/// "unit:ID" and "group:NAME" entries as "units solhoj, vest; groups Hjemmeplejen" ("" for none).
[[nodiscard]] std::string describeScope(const std::vector<std::string>& scope);

class AccountAdmin {
public:
    /// `actor` is the audit log's user: an account name, or "(command line)". `cost` is the hash's for
    /// the passwords set here (Minimum in tests only).
    AccountAdmin(Storage& storage, std::string actor, Clock clock = systemClock(), PasswordCost cost = PasswordCost::Interactive);

    /// Every account by name, without its password hash.
    [[nodiscard]] Result<std::vector<UserAccount>> accounts();
    /// The groups a unit leader can be given: those of the units now and of the released rounds, sorted.
    [[nodiscard]] Result<std::vector<std::string>> groups();

    /// Adds an account; returns the password to show once ("" when it was Given).
    AdminResult<std::string> add(const AccountChange& account, FirstPassword how, const std::string& password = "");
    /// Sets an account's role and scope; it applies from the account's next page.
    AdminStatus setRole(const AccountChange& account);
    /// A disabled account cannot sign in, and its sessions end.
    AdminStatus disable(const std::string& name);
    AdminStatus enable(const std::string& name);
    /// A new one-time password (returned, to show once): the sessions end, and the user chooses their own
    /// at the next sign-in. Also clears the lock.
    AdminResult<std::string> resetPassword(const std::string& name);
    /// Clears the failed sign-ins and the lock.
    AdminStatus unlock(const std::string& name);
    /// Removes an account and its sessions.
    AdminStatus remove(const std::string& name);
    /// The actor changes their own password: `current` must be theirs, `password` a valid new one, and
    /// `again` the same. Every session of theirs but `keepSession` (SessionCheck::sessionKey) ends.
    AdminStatus changeOwnPassword(const std::string& current, const std::string& password, const std::string& again,
                                  const std::string& keepSession);

private:
    [[nodiscard]] AdminResult<UserAccount> existing(const std::string& name);
    /// A role and scope checked: the role known, a unit leader's units and groups known, none for the others.
    [[nodiscard]] AdminResult<std::vector<std::string>> checkRole(const AccountChange& account);
    /// Refuses a change that would leave `name` unable to administer: themselves, or the last enabled administrator.
    [[nodiscard]] AdminStatus keepAnAdministrator(const UserAccount& account, const std::string& what);
    [[nodiscard]] AdminResult<std::string> hash(const std::string& password);
    AdminStatus audit(const std::string& action, const std::string& detail);

    Storage& m_storage;
    std::string m_actor;
    Clock m_clock;
    PasswordCost m_cost;
};

}  // namespace svarboks::server
