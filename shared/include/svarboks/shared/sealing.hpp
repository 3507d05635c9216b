#pragma once
// Sealing responses to the central endpoint: libsodium crypto_box_seal (X25519 + XSalsa20-Poly1305),
// plus the small encodings and ids the protocol needs. Thread-safe. Every function initialises libsodium
// on first use; call sodiumInit() at start-up to handle a failure there as an error, since the functions
// that return no Result terminate the process when libsodium cannot start (no safe randomness).
#include "svarboks/shared/result.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace svarboks::shared {

using PublicKey = std::array<std::uint8_t, 32>;
using SecretKey = std::array<std::uint8_t, 32>;

struct KeyPair {
    PublicKey publicKey{};
    SecretKey secretKey{};
};

/// Initialises libsodium once (thread-safe; later calls return the first answer). False if it cannot, and
/// then nothing here may be used.
[[nodiscard]] bool sodiumInit();

/// A fresh X25519 key pair (crypto_box_keypair).
[[nodiscard]] KeyPair generateKeyPair();

/// Standard base64 with padding (what PROTOCOL.md uses for keys and sealed values).
[[nodiscard]] std::string toBase64(std::string_view bytes);
/// Decodes standard base64 with padding, strictly: no whitespace, no missing padding, no stray bits. The
/// error starts with "not valid base64" and says where.
[[nodiscard]] Result<std::string> fromBase64(std::string_view text);

/// base64url without padding (tokens).
[[nodiscard]] std::string toBase64Url(std::string_view bytes);

/// The 32-byte public key from its base64 text. The error says what is wrong: "not valid base64: ...",
/// "12 bytes, expected a 32-byte key", or a key no box can be sealed to (e.g. all zeros).
[[nodiscard]] Result<PublicKey> parsePublicKey(std::string_view base64);
[[nodiscard]] std::string publicKeyToBase64(const PublicKey& key);

/// crypto_box_seal(plaintext) to `recipient`; the result is binary (base64 it for the wire), 48 bytes
/// longer than the plaintext. Empty only when the key is unusable (a low-order point such as all zeros),
/// which parsePublicKey() and generateKeyPair() never return; Outbox::add refuses an empty value.
[[nodiscard]] std::string seal(std::string_view plaintext, const PublicKey& recipient);

/// Opens a sealed value with the recipient's key pair; an error when it is not for this key or was altered.
[[nodiscard]] Result<std::string> openSealed(std::string_view sealed, const KeyPair& recipient);

/// A random UUID version 4, lower-case ("xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx").
[[nodiscard]] std::string newUuidV4();

/// True for a lower-case v4 UUID in the canonical form above (upper-case is refused).
[[nodiscard]] bool isUuidV4(std::string_view text);

/// `count` random bytes (randombytes_buf).
[[nodiscard]] std::string randomBytes(std::size_t count);
/// A uniform random number in [0, bound) (randombytes_uniform, no modulo bias); 0 when bound <= 1.
[[nodiscard]] std::uint32_t randomBelow(std::uint32_t bound);

}  // namespace svarboks::shared
