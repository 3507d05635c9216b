#include "svarboks/server/shared_state.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sodium.h>

#include <algorithm>
#include <cstdint>
#include <utility>

namespace svarboks::server {

namespace {

// crypto_kdf contexts are 8 bytes.
constexpr char kLimitContext[crypto_kdf_CONTEXTBYTES + 1] = "svbrate1";
constexpr char kDayContext[crypto_kdf_CONTEXTBYTES + 1] = "svbday01";
constexpr std::string_view kShownOnceContext = "svarboks shown once v1";
constexpr std::int64_t kDaySeconds = 24 * 60 * 60;

bool initSodium() {
    static const bool ready = sodium_init() >= 0;
    return ready;
}

const unsigned char* bytes(std::string_view text) { return reinterpret_cast<const unsigned char*>(text.data()); }

// The secretbox key of one kept value: BLAKE2b of the context and the id, keyed by the session token's
// BLAKE2b (a token may be longer than a key). Not SHA-256 of the token, which is what the store holds.
std::array<unsigned char, crypto_secretbox_KEYBYTES> shownOnceKey(std::string_view token, std::string_view id) {
    std::array<unsigned char, crypto_generichash_KEYBYTES> tokenKey{};
    crypto_generichash(tokenKey.data(), tokenKey.size(), bytes(token), token.size(), bytes(kShownOnceContext), kShownOnceContext.size());
    std::array<unsigned char, crypto_secretbox_KEYBYTES> key{};
    crypto_generichash(key.data(), key.size(), bytes(id), id.size(), tokenKey.data(), tokenKey.size());
    sodium_memzero(tokenKey.data(), tokenKey.size());
    return key;
}

}  // namespace

LimitSecret limitSecretFrom(const shared::KeyPair& keys) {
    initSodium();
    static_assert(sizeof(keys.secretKey) == crypto_kdf_KEYBYTES);
    LimitSecret secret{};
    crypto_kdf_derive_from_key(secret.data(), secret.size(), 1, kLimitContext, keys.secretKey.data());
    return secret;
}

LimitSecret randomLimitSecret() {
    initSodium();
    LimitSecret secret{};
    randombytes_buf(secret.data(), secret.size());
    return secret;
}

std::string limitedAddress(const std::string& address) {
    in6_addr v6{};
    if (inet_pton(AF_INET6, address.c_str(), &v6) != 1 || IN6_IS_ADDR_V4MAPPED(&v6)) return address;
    std::fill(std::begin(v6.s6_addr) + 8, std::end(v6.s6_addr), static_cast<std::uint8_t>(0));
    char text[INET6_ADDRSTRLEN] = {};
    inet_ntop(AF_INET6, &v6, text, sizeof text);
    return std::string(text) + "/64";
}

std::string attemptKey(const LimitSecret& secret, std::string_view purpose, const std::string& address, TimePoint now) {
    initSodium();
    const std::int64_t seconds = unixSeconds(now);
    const auto day = static_cast<std::uint64_t>(seconds >= 0 ? seconds / kDaySeconds : 0);
    std::array<unsigned char, crypto_generichash_KEYBYTES> dayKey{};
    crypto_kdf_derive_from_key(dayKey.data(), dayKey.size(), day, kDayContext, secret.data());
    const std::string message = std::string(purpose) + '\n' + limitedAddress(address);
    std::array<unsigned char, 32> digest{};
    crypto_generichash(digest.data(), digest.size(), bytes(message), message.size(), dayKey.data(), dayKey.size());
    sodium_memzero(dayKey.data(), dayKey.size());
    std::string hex(digest.size() * 2 + 1, '\0');
    sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
    hex.pop_back();
    return hex;
}

AttemptLimit::AttemptLimit(SharedStateStore& store, std::string purpose, int perMinute, LimitSecret secret)
    : m_store(store), m_purpose(std::move(purpose)), m_perMinute(std::max(1, perMinute)), m_secret(secret) {}

Result<std::optional<std::chrono::seconds>> AttemptLimit::acquire(const std::string& address, TimePoint now) {
    const auto nowMs = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    auto wait = m_store.takeAttempt(attemptKey(m_secret, m_purpose, address, now), m_perMinute, nowMs);
    if (!wait) return wait.error();
    if (!*wait) return std::optional<std::chrono::seconds>();
    return std::optional<std::chrono::seconds>(std::chrono::seconds(**wait));
}

std::string sealForSession(std::string_view sessionToken, std::string_view id, std::string_view value) {
    initSodium();
    auto key = shownOnceKey(sessionToken, id);
    std::string sealed(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + value.size(), '\0');
    auto* out = reinterpret_cast<unsigned char*>(sealed.data());
    randombytes_buf(out, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(out + crypto_secretbox_NONCEBYTES, bytes(value), value.size(), out, key.data());
    sodium_memzero(key.data(), key.size());
    return sealed;
}

std::optional<std::string> openForSession(std::string_view sessionToken, std::string_view id, std::string_view sealed) {
    if (sealed.size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) return std::nullopt;
    initSodium();
    auto key = shownOnceKey(sessionToken, id);
    std::string value(sealed.size() - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES, '\0');
    const bool opened = crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(value.data()), bytes(sealed) + crypto_secretbox_NONCEBYTES,
                                                   sealed.size() - crypto_secretbox_NONCEBYTES, bytes(sealed), key.data()) == 0;
    sodium_memzero(key.data(), key.size());
    if (!opened) return std::nullopt;
    return value;
}

}  // namespace svarboks::server
