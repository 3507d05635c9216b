#pragma once
// What several `serve` replicas share through the store (SharedStateStore in storage.hpp), made fit to be
// kept there: attempt limits keyed by a keyed hash of the client address, and values shown once sealed
// with a key that only the viewing session can make.
//
// Rate-limit keys: BLAKE2b of the address under a key derived (crypto_kdf) from the data folder's secret
// key for the UTC day. Every replica reads the same secret key, so they count alike; the store never holds
// it, so a copy of the store does not tell which address a bucket was, and a key changes each day, so
// buckets of two days cannot be linked. (At midnight UTC every bucket starts full again: one more burst a day.)
//
// Values shown once: crypto_secretbox under a key derived from the session token and the value's id. The
// store keeps only the token's SHA-256, so it holds no readable password or enrolment code.
//
// Everything here is thread-safe.
#include "svarboks/server/clock.hpp"
#include "svarboks/server/storage.hpp"
#include "svarboks/shared/sealing.hpp"

#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace svarboks::server {

/// The secret the rate-limit keys are made with (32 bytes).
using LimitSecret = std::array<unsigned char, 32>;

/// The one every replica derives alike from the data folder's key pair.
[[nodiscard]] LimitSecret limitSecretFrom(const shared::KeyPair& keys);
/// A random one: for one process alone (tests, a dashboard without a data folder).
[[nodiscard]] LimitSecret randomLimitSecret();

/// The address as limits count it: an IPv6 address by its /64 (one client usually holds a whole /64 and
/// could otherwise step through addresses); anything else as it is.
[[nodiscard]] std::string limitedAddress(const std::string& address);

/// The store's key of `address` for the limit `purpose` ("login", "enrol") on the UTC day of `now`: hex.
[[nodiscard]] std::string attemptKey(const LimitSecret& secret, std::string_view purpose, const std::string& address, TimePoint now);

/// A token bucket per client address, kept in the store so that every replica counts the same attempts.
class AttemptLimit {
public:
    /// `perMinute` attempts per address and minute, in bursts of as many.
    AttemptLimit(SharedStateStore& store, std::string purpose, int perMinute, LimitSecret secret);

    /// Takes one attempt for `address` at `now`: nullopt when allowed, else how long to wait (whole
    /// seconds, >= 1). An error when the store fails.
    [[nodiscard]] Result<std::optional<std::chrono::seconds>> acquire(const std::string& address, TimePoint now);

private:
    SharedStateStore& m_store;
    std::string m_purpose;
    int m_perMinute;
    LimitSecret m_secret;
};

/// Seals `value` for the session whose cookie token is `sessionToken`, under the kept value's `id`.
[[nodiscard]] std::string sealForSession(std::string_view sessionToken, std::string_view id, std::string_view value);
/// Opens what sealForSession made; nullopt when another session (or id) sealed it or it was changed.
[[nodiscard]] std::optional<std::string> openForSession(std::string_view sessionToken, std::string_view id, std::string_view sealed);

}  // namespace svarboks::server
