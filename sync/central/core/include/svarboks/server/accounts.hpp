#pragma once
// Dashboard accounts for the central team: passwords (libsodium crypto_pwhash_str, Argon2id), logins with
// a lockout per account and a throttle per client address, and sessions behind a random token of which
// the store keeps only the SHA-256.
//
// A failed login looks the same whatever failed (unknown name, wrong password, locked or disabled account): the same
// answer, one Argon2id check each time, and no answer sooner than `failureDelay` after the attempt arrived,
// which hides the store write that follows a wrong password. The throttle is kept in the store (shared_state.hpp),
// so that every replica behind a load balancer counts the same attempts; the store holds no address, only a
// keyed hash of it that changes each day.
//
// Thread-safe: one Accounts serves every request thread.
#include "svarboks/server/clock.hpp"
#include "svarboks/server/shared_state.hpp"
#include "svarboks/server/storage.hpp"

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace svarboks::server {

/// How expensive a password hash is. Interactive is libsodium's "interactive" limits (64 MiB, about 0.1 s
/// here); Minimum exists for tests only.
enum class PasswordCost { Interactive, Minimum };

inline constexpr std::size_t kMinPasswordLength = 12;   ///< characters
inline constexpr std::size_t kMaxPasswordBytes = 1024;
inline constexpr std::size_t kMaxUserNameLength = 64;

/// A crypto_pwhash_str hash (Argon2id) of the password; an error only when out of memory.
[[nodiscard]] Result<std::string> hashPassword(std::string_view password, PasswordCost cost = PasswordCost::Interactive);
/// Whether `password` matches a hash from hashPassword(). False for a malformed hash.
[[nodiscard]] bool verifyPassword(const std::string& hash, std::string_view password);
/// A new random password: 20 symbols of an unambiguous alphabet (100 bits) in groups of five.
[[nodiscard]] std::string generatePassword();
/// An error saying what is wrong with a new password: too short, too long, control characters.
[[nodiscard]] Status checkNewPassword(std::string_view password);
/// 1-64 characters of a-z 0-9 . _ - @, starting with a letter or digit.
[[nodiscard]] bool isValidUserName(std::string_view name);

/// What an account may see (docs/anonymity.md#roles). Checked on the server for every page and download.
enum class Role {
    Administrator,  ///< everything: reports, k-anonymous downloads, rejected responses, the audit log
    Analyst,        ///< every report and the k-anonymous record-level downloads
    UnitLeader,     ///< the suppressed reports of their own units and groups; nothing record-level
};

/// "administrator", "analyst", "unit-leader"; an error naming them otherwise.
[[nodiscard]] Result<Role> parseRole(std::string_view name);
[[nodiscard]] std::string_view roleName(Role role);

/// What one account may do, from its role and scope ("unit:ID", "group:NAME").
struct Permissions {
    Role role = Role::UnitLeader;
    std::vector<std::string> units;   ///< a unit leader's units
    std::vector<std::string> groups;  ///< a unit leader's groups (every unit in them, as the round grouped them)

    /// From a stored account; an unknown role grants the least (a unit leader of nothing).
    [[nodiscard]] static Permissions of(const UserAccount& account);
    [[nodiscard]] bool recordLevel() const { return role != Role::UnitLeader; }
    [[nodiscard]] bool administers() const { return role == Role::Administrator; }
    /// Whether every unit's and group's figures and the municipality's may be shown.
    [[nodiscard]] bool everyUnit() const { return role != Role::UnitLeader; }
    /// Whether a unit's figures may be shown: `group` is its group in the report being shown.
    [[nodiscard]] bool seesUnit(const std::string& unitId, const std::string& group) const;
    [[nodiscard]] bool seesGroup(const std::string& group) const;
};

struct AccountOptions {
    int maxFailures = 5;                               ///< wrong passwords in a row that lock an account
    std::chrono::seconds lockout{15 * 60};
    std::chrono::seconds idleTimeout{30 * 60};         ///< a session unused this long is over
    std::chrono::seconds absoluteTimeout{12 * 60 * 60};///< and every session is over after this
    int loginAttemptsPerMinute = 10;                   ///< per client address (bursts of as many)
    std::size_t maxConcurrentChecks = 2;               ///< Argon2id checks at once (64 MiB each)
    std::chrono::milliseconds failureDelay{500};       ///< a failed login answers no sooner than this
    PasswordCost cost = PasswordCost::Interactive;     ///< of the stand-in hash checked for unknown names
    /// What the throttle's keys are made with: every replica of one store must have the same
    /// (limitSecretFrom the data folder's keys, as `serve` does); none = a random one, for one process alone.
    std::optional<LimitSecret> limitSecret;
};

struct LoginResult {
    enum class Kind {
        LoggedIn,     ///< `token` is the new session's token (for the cookie)
        Refused,      ///< unknown name, wrong password, locked or disabled account: deliberately indistinguishable
        Throttled,    ///< too many attempts from this address; `retryAfter`
        Unavailable,  ///< the store failed (also while keeping the throttle)
    };
    Kind kind = Kind::Refused;
    std::string token;
    std::chrono::seconds retryAfter{0};
};

struct SessionCheck {
    enum class Kind { None, Expired, Valid };
    Kind kind = Kind::None;
    std::string user;
    std::string csrfToken;  ///< the synchronizer token forms of this session must carry
    Permissions permissions;  ///< read from the account at every check: a changed role applies at once
    bool mustChangePassword = false;  ///< a one-time password: the account must choose its own before anything else
    std::string sessionKey;   ///< the store's key of this session (its token's SHA-256), to keep it when the password changes
};

class Accounts {
public:
    /// `shared` keeps the login throttle; `sleep` waits out the failure delay (tests pass one that records
    /// instead of sleeping).
    Accounts(AccountStore& storage, SharedStateStore& shared, AccountOptions options = {}, Clock clock = systemClock(),
             std::function<void(std::chrono::milliseconds)> sleep = {});

    /// Checks a login attempt; on success creates a session (and removes expired ones).
    [[nodiscard]] LoginResult login(std::string_view name, std::string_view password, const std::string& clientAddress);
    /// The session of a cookie's token: Valid (and marks it used, at most once a minute), Expired (and
    /// removes it), or None (also when its account is gone or disabled). An error when the store fails.
    [[nodiscard]] Result<SessionCheck> session(std::string_view token);
    /// Ends the session of this token (nothing when there is none).
    [[nodiscard]] Status logout(std::string_view token);

    /// The CSRF token of a session token: a keyed BLAKE2b of it, so nothing more is stored.
    [[nodiscard]] static std::string csrfTokenFor(std::string_view token);
    /// Constant-time comparison of a form's token with the session's.
    [[nodiscard]] static bool csrfMatches(std::string_view expected, std::string_view given);

    [[nodiscard]] const AccountOptions& options() const { return m_options; }

private:
    void waitUntil(std::chrono::steady_clock::time_point deadline) const;

    AccountStore& m_storage;
    AccountOptions m_options;
    Clock m_clock;
    std::function<void(std::chrono::milliseconds)> m_sleep;
    AttemptLimit m_limiter;
    std::string m_standIn;  ///< a hash of a random password, checked when the name is unknown or locked
    std::mutex m_slotMutex;
    std::condition_variable m_slotFree;
    std::size_t m_checking = 0;
};

}  // namespace svarboks::server
