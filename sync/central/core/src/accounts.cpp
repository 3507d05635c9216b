#include "svarboks/server/accounts.hpp"

#include "svarboks/shared/hashing.hpp"
#include "svarboks/shared/sealing.hpp"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <thread>

namespace svarboks::server {

namespace {

constexpr std::size_t kMaxTokenLength = 256;
constexpr std::int64_t kTouchEverySeconds = 60;
constexpr std::string_view kCsrfContext = "svarboks dashboard csrf v1";
// No 0/o, 1/l/i: a password read aloud or from paper is typed right the first time.
constexpr std::string_view kPasswordAlphabet = "abcdefghjkmnpqrstuvwxyz23456789";

bool initSodium() {
    static const bool ready = sodium_init() >= 0;
    return ready;
}

std::size_t codePoints(std::string_view text) {
    return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string normaliseName(std::string_view name) {
    while (!name.empty() && std::isspace(static_cast<unsigned char>(name.front())) != 0) name.remove_prefix(1);
    while (!name.empty() && std::isspace(static_cast<unsigned char>(name.back())) != 0) name.remove_suffix(1);
    std::string out(name);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

}  // namespace

Result<std::string> hashPassword(std::string_view password, PasswordCost cost) {
    if (!initSodium()) return Error{"libsodium could not be initialised"};
    const bool minimum = cost == PasswordCost::Minimum;
    std::array<char, crypto_pwhash_STRBYTES> out{};
    if (crypto_pwhash_str_alg(out.data(), password.data(), password.size(),
                              minimum ? crypto_pwhash_OPSLIMIT_MIN : crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              minimum ? crypto_pwhash_MEMLIMIT_MIN : crypto_pwhash_MEMLIMIT_INTERACTIVE,
                              crypto_pwhash_ALG_ARGON2ID13) != 0) {
        return Error{"out of memory while hashing the password (Argon2id needs 64 MiB)"};
    }
    return std::string(out.data());
}

bool verifyPassword(const std::string& hash, std::string_view password) {
    if (!initSodium() || hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
    return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

std::string generatePassword() {
    initSodium();
    std::string password;
    for (int i = 0; i < 20; ++i) {
        if (i > 0 && i % 5 == 0) password.push_back('-');
        password.push_back(kPasswordAlphabet[randombytes_uniform(static_cast<std::uint32_t>(kPasswordAlphabet.size()))]);
    }
    return password;
}

Status checkNewPassword(std::string_view password) {
    if (password.size() > kMaxPasswordBytes) return Error{"the password is longer than " + std::to_string(kMaxPasswordBytes) + " bytes"};
    if (std::any_of(password.begin(), password.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
        return Error{"the password contains a control character (a tab, newline or similar)"};
    }
    if (codePoints(password) < kMinPasswordLength) {
        return Error{"the password is too short: use at least " + std::to_string(kMinPasswordLength) + " characters (or let the command make one)"};
    }
    return {};
}

bool isValidUserName(std::string_view name) {
    if (name.empty() || name.size() > kMaxUserNameLength) return false;
    const auto allowed = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' || c == '@'; };
    const char first = name.front();
    return std::all_of(name.begin(), name.end(), allowed) && ((first >= 'a' && first <= 'z') || (first >= '0' && first <= '9'));
}

Accounts::Accounts(AccountStore& storage, SharedStateStore& shared, AccountOptions options, Clock clock,
                   std::function<void(std::chrono::milliseconds)> sleep)
    : m_storage(storage),
      m_options(options),
      m_clock(std::move(clock)),
      m_sleep(std::move(sleep)),
      m_limiter(shared, "login", options.loginAttemptsPerMinute, options.limitSecret.value_or(randomLimitSecret())) {
    if (!m_sleep) m_sleep = [](std::chrono::milliseconds wait) { std::this_thread::sleep_for(wait); };
    auto standIn = hashPassword(shared::toBase64Url(shared::randomBytes(24)), m_options.cost);
    if (standIn) m_standIn = std::move(*standIn);
}

void Accounts::waitUntil(std::chrono::steady_clock::time_point deadline) const {
    const auto now = std::chrono::steady_clock::now();
    if (deadline > now) m_sleep(std::chrono::ceil<std::chrono::milliseconds>(deadline - now));
}

LoginResult Accounts::login(std::string_view name, std::string_view password, const std::string& clientAddress) {
    const auto started = std::chrono::steady_clock::now();
    const TimePoint now = m_clock();
    const auto wait = m_limiter.acquire(clientAddress, now);
    if (!wait) return {LoginResult::Kind::Unavailable, "", std::chrono::seconds(0)};
    if (*wait) return {LoginResult::Kind::Throttled, "", **wait};

    const std::string user = normaliseName(name);
    const bool plausible = isValidUserName(user) && password.size() <= kMaxPasswordBytes;

    enum class Outcome { Refused, Matched, Unavailable };
    std::optional<UserAccount> account;
    const std::int64_t nowSeconds = unixSeconds(now);
    const auto check = [&]() -> Outcome {
        // Argon2id takes 64 MiB per check: only a few at once, the rest wait their turn.
        {
            std::unique_lock lock(m_slotMutex);
            m_slotFree.wait(lock, [&] { return m_checking < std::max<std::size_t>(1, m_options.maxConcurrentChecks); });
            ++m_checking;
        }
        struct Release {
            Accounts& self;
            explicit Release(Accounts& owner) : self(owner) {}
            Release(const Release&) = delete;
            Release& operator=(const Release&) = delete;
            ~Release() {
                {
                    const std::lock_guard lock(self.m_slotMutex);
                    --self.m_checking;
                }
                self.m_slotFree.notify_one();
            }
        } release{*this};

        if (plausible) {
            auto found = m_storage.findUser(user);
            if (!found) return Outcome::Unavailable;
            account = std::move(*found);
        }
        const bool usable = account && !account->disabled && account->lockedUntil <= nowSeconds;
        const bool matches = verifyPassword(usable ? account->passwordHash : m_standIn, plausible ? password : std::string_view("-"));
        if (usable && matches) return Outcome::Matched;
        if (usable && !m_storage.recordLoginFailure(user, m_options.maxFailures, nowSeconds + m_options.lockout.count())) {
            return Outcome::Unavailable;
        }
        return Outcome::Refused;
    };

    switch (check()) {
        case Outcome::Unavailable: return {LoginResult::Kind::Unavailable, "", {}};
        case Outcome::Refused:
            waitUntil(started + m_options.failureDelay);
            return {LoginResult::Kind::Refused, "", {}};
        case Outcome::Matched: break;
    }
    if (!m_storage.recordLogin(user, nowSeconds)) return {LoginResult::Kind::Unavailable, "", {}};
    if (!m_storage.removeExpiredSessions(nowSeconds - m_options.absoluteTimeout.count(), nowSeconds - m_options.idleTimeout.count())) {
        return {LoginResult::Kind::Unavailable, "", {}};
    }
    std::string token = shared::toBase64Url(shared::randomBytes(32));
    if (!m_storage.addSession({shared::sha256Hex(token), user, nowSeconds, nowSeconds})) return {LoginResult::Kind::Unavailable, "", {}};
    return {LoginResult::Kind::LoggedIn, std::move(token), {}};
}

Result<SessionCheck> Accounts::session(std::string_view token) {
    if (token.empty() || token.size() > kMaxTokenLength) return SessionCheck{};
    const std::string hash = shared::sha256Hex(token);
    auto found = m_storage.findSession(hash);
    if (!found) return found.error();
    if (!*found) return SessionCheck{};
    const Session& session = **found;
    const std::int64_t now = unixSeconds(m_clock());
    if (now - session.createdAt >= m_options.absoluteTimeout.count() || now - session.lastUsedAt >= m_options.idleTimeout.count()) {
        if (auto removed = m_storage.removeSession(hash); !removed) return Error{removed.message()};
        return SessionCheck{SessionCheck::Kind::Expired, "", "", {}, false, ""};
    }
    if (now - session.lastUsedAt >= kTouchEverySeconds) {
        if (auto touched = m_storage.touchSession(hash, now); !touched) return Error{touched.message()};
    }
    auto account = m_storage.findUser(session.userName);
    if (!account) return account.error();
    if (!*account) return SessionCheck{};
    if ((*account)->disabled) {
        if (auto removed = m_storage.removeSession(hash); !removed) return Error{removed.message()};
        return SessionCheck{};
    }
    return SessionCheck{SessionCheck::Kind::Valid, session.userName, csrfTokenFor(token), Permissions::of(**account), (*account)->mustChangePassword, hash};
}

Result<Role> parseRole(std::string_view name) {
    if (name == "administrator") return Role::Administrator;
    if (name == "analyst") return Role::Analyst;
    if (name == "unit-leader") return Role::UnitLeader;
    return Error{"'" + std::string(name) + "': expected administrator, analyst or unit-leader"};
}

std::string_view roleName(Role role) {
    switch (role) {
        case Role::Administrator: return "administrator";
        case Role::Analyst: return "analyst";
        case Role::UnitLeader: return "unit-leader";
    }
    return "unit-leader";
}

Permissions Permissions::of(const UserAccount& account) {
    Permissions permissions;
    const auto role = parseRole(account.role);
    if (!role) return permissions;  // the least: a unit leader of nothing
    permissions.role = *role;
    if (permissions.role != Role::UnitLeader) return permissions;
    for (const auto& entry : account.scope) {
        if (entry.rfind("unit:", 0) == 0) permissions.units.push_back(entry.substr(5));
        else if (entry.rfind("group:", 0) == 0) permissions.groups.push_back(entry.substr(6));
    }
    return permissions;
}

bool Permissions::seesGroup(const std::string& group) const {
    return everyUnit() || std::find(groups.begin(), groups.end(), group) != groups.end();
}

bool Permissions::seesUnit(const std::string& unitId, const std::string& group) const {
    return everyUnit() || std::find(units.begin(), units.end(), unitId) != units.end() || (!group.empty() && seesGroup(group));
}

Status Accounts::logout(std::string_view token) {
    if (token.empty() || token.size() > kMaxTokenLength) return {};
    return m_storage.removeSession(shared::sha256Hex(token));
}

std::string Accounts::csrfTokenFor(std::string_view token) {
    initSodium();
    std::array<unsigned char, 32> mac{};
    const std::string_view key = token.substr(0, crypto_generichash_KEYBYTES_MAX);
    crypto_generichash(mac.data(), mac.size(), reinterpret_cast<const unsigned char*>(kCsrfContext.data()), kCsrfContext.size(),
                       reinterpret_cast<const unsigned char*>(key.data()), key.size());
    return shared::toBase64Url(std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
}

bool Accounts::csrfMatches(std::string_view expected, std::string_view given) {
    if (expected.empty() || expected.size() != given.size()) return false;
    return sodium_memcmp(expected.data(), given.data(), expected.size()) == 0;
}

}  // namespace svarboks::server
