#pragma once
// One-time enrolment codes and the short-lived copy of an issued token that makes enrolment idempotent.
//
// Why the token is kept at all: PROTOCOL.md promises that the same code with the same request_id gets the
// same device and token for at least 10 minutes, e.g. when the first reply was lost. The store keeps only
// the token's SHA-256, so the token itself must be recoverable for that window. It is kept in the store,
// not in memory, so that the promise survives a restart and holds for any replica behind a load balancer;
// it is sealed (XSalsa20-Poly1305) with a key derived from the code and the request_id, which the store
// does not hold (only the code's hash), and it is wiped when the window ends (kReplayWindow).
#include "svarboks/shared/result.hpp"

#include <chrono>
#include <string>
#include <string_view>

namespace svarboks::server {

/// How long a used code answers the same request_id with the same device and token (the protocol's
/// minimum is 10 minutes).
inline constexpr std::chrono::minutes kReplayWindow{15};

/// The default lifetime of a code, and the longest one `enroll --expires` accepts.
inline constexpr std::chrono::hours kDefaultCodeLifetime{7 * 24};
inline constexpr std::chrono::hours kMaxCodeLifetime{30 * 24};

/// A fresh code: 12 Crockford base32 symbols (60 random bits) in groups of four, "K7QM-3XHD-9PAB".
[[nodiscard]] std::string generateEnrolmentCode();

/// The stored form of a code as typed: hex SHA-256 of shared::normalizeEnrollCode(code).
[[nodiscard]] std::string enrolmentCodeHash(std::string_view code);

/// A new device token: 32 random bytes, base64url (PROTOCOL.md).
[[nodiscard]] std::string generateDeviceToken();

/// Seals `token` with a key derived from the normalised code and the request id (random nonce included).
[[nodiscard]] std::string sealReplayToken(std::string_view token, std::string_view code, std::string_view requestId);

/// Opens what sealReplayToken() made; an error when the code or request id differ or the bytes were altered.
[[nodiscard]] shared::Result<std::string> openReplayToken(std::string_view sealed, std::string_view code, std::string_view requestId);

/// Parses a lifetime such as "7d", "36h" or "90m" (1 minute to kMaxCodeLifetime).
[[nodiscard]] shared::Result<std::chrono::seconds> parseLifetime(std::string_view text);

/// A lifetime in the largest whole unit: "7 days", "36 hours", "90 minutes".
[[nodiscard]] std::string describeLifetime(std::chrono::seconds lifetime);

}  // namespace svarboks::server
