#include "svarboks/shared/sealing.hpp"

#include <sodium.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace svarboks::shared {

namespace {

const unsigned char* bytesOf(std::string_view text) { return reinterpret_cast<const unsigned char*>(text.data()); }
unsigned char* bytesOf(std::string& text) { return reinterpret_cast<unsigned char*>(text.data()); }

// Without working randomness nothing here is safe, and these functions have no error channel.
void requireSodium() {
    if (!sodiumInit()) {
        std::fputs("svarboks: libsodium cannot initialise (no secure random source); stopping\n", stderr);
        std::abort();
    }
}

std::string encode(std::string_view bytes, int variant) {
    requireSodium();
    std::string text(sodium_base64_ENCODED_LEN(bytes.size(), static_cast<unsigned>(variant)), '\0');
    sodium_bin2base64(text.data(), text.size(), bytesOf(bytes), bytes.size(), variant);
    text.resize(text.size() - 1);  // the encoder's NUL terminator
    return text;
}

bool isBase64Char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

std::string describeChar(char c) {
    const auto byte = static_cast<unsigned char>(c);
    char buffer[16];
    if (byte >= 0x21 && byte < 0x7f) std::snprintf(buffer, sizeof buffer, "'%c'", c);
    else std::snprintf(buffer, sizeof buffer, "byte 0x%02x", static_cast<unsigned>(byte));
    return buffer;
}

bool isLowerHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

}  // namespace

bool sodiumInit() {
    static const bool ok = sodium_init() >= 0;
    return ok;
}

KeyPair generateKeyPair() {
    requireSodium();
    KeyPair pair;
    crypto_box_keypair(pair.publicKey.data(), pair.secretKey.data());
    return pair;
}

std::string toBase64(std::string_view bytes) { return encode(bytes, sodium_base64_VARIANT_ORIGINAL); }

std::string toBase64Url(std::string_view bytes) { return encode(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING); }

Result<std::string> fromBase64(std::string_view text) {
    requireSodium();
    // Checked here first so that the message can say where; libsodium only says yes or no.
    const std::size_t lastData = text.find_last_not_of('=');
    const std::size_t dataEnd = lastData == std::string_view::npos ? 0 : lastData + 1;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (isBase64Char(c) || (c == '=' && i >= dataEnd)) continue;
        std::string message = "not valid base64: unexpected " + describeChar(c) + " at character " + std::to_string(i + 1);
        if (c == '-' || c == '_') message += " (this looks like base64url; standard base64 with '+', '/' and '=' is expected)";
        return Error{message};
    }
    if (text.size() % 4 != 0) {
        return Error{"not valid base64: length " + std::to_string(text.size()) + " is not a multiple of 4 (missing '=' padding?)"};
    }
    std::string bytes(text.size() / 4 * 3, '\0');
    std::size_t length = 0;
    if (sodium_base642bin(bytesOf(bytes), bytes.size(), text.data(), text.size(), nullptr, &length, nullptr,
                          sodium_base64_VARIANT_ORIGINAL) != 0) {
        return Error{"not valid base64: wrong '=' padding or stray bits at the end"};
    }
    bytes.resize(length);
    return bytes;
}

Result<PublicKey> parsePublicKey(std::string_view base64) {
    auto bytes = fromBase64(base64);
    if (!bytes) return bytes.error();
    PublicKey key;
    if (bytes->size() != key.size()) return Error{std::to_string(bytes->size()) + " bytes, expected a 32-byte key"};
    std::copy(bytes->begin(), bytes->end(), reinterpret_cast<char*>(key.data()));
    if (seal("", key).empty()) return Error{"not a usable X25519 public key (a low-order point such as all zeros)"};
    return key;
}

std::string publicKeyToBase64(const PublicKey& key) {
    return toBase64(std::string_view(reinterpret_cast<const char*>(key.data()), key.size()));
}

std::string seal(std::string_view plaintext, const PublicKey& recipient) {
    requireSodium();
    std::string sealed(plaintext.size() + crypto_box_SEALBYTES, '\0');
    if (crypto_box_seal(bytesOf(sealed), bytesOf(plaintext), plaintext.size(), recipient.data()) != 0) return {};
    return sealed;
}

Result<std::string> openSealed(std::string_view sealed, const KeyPair& recipient) {
    requireSodium();
    if (sealed.size() < crypto_box_SEALBYTES) {
        return Error{"sealed value is " + std::to_string(sealed.size()) + " bytes, shorter than the " +
                     std::to_string(crypto_box_SEALBYTES) + " bytes every sealed value has"};
    }
    std::string plaintext(sealed.size() - crypto_box_SEALBYTES, '\0');
    if (crypto_box_seal_open(bytesOf(plaintext), bytesOf(sealed), sealed.size(), recipient.publicKey.data(),
                             recipient.secretKey.data()) != 0) {
        return Error{"cannot open the sealed value: it was not sealed to this key, or it was altered"};
    }
    return plaintext;
}

std::string newUuidV4() {
    requireSodium();
    unsigned char bytes[16];
    randombytes_buf(bytes, sizeof bytes);
    bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40);  // version 4
    bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
    char hex[sizeof bytes * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, bytes, sizeof bytes);
    const std::string_view h(hex, sizeof bytes * 2);
    std::string uuid;
    uuid.reserve(36);
    uuid.append(h.substr(0, 8)).append("-").append(h.substr(8, 4)).append("-").append(h.substr(12, 4));
    uuid.append("-").append(h.substr(16, 4)).append("-").append(h.substr(20, 12));
    return uuid;
}

bool isUuidV4(std::string_view text) {
    if (text.size() != 36) return false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? text[i] != '-' : !isLowerHex(text[i])) return false;
    }
    const char variant = text[19];
    return text[14] == '4' && (variant == '8' || variant == '9' || variant == 'a' || variant == 'b');
}

std::string randomBytes(std::size_t count) {
    requireSodium();
    std::string bytes(count, '\0');
    randombytes_buf(bytes.data(), bytes.size());
    return bytes;
}

std::uint32_t randomBelow(std::uint32_t bound) {
    requireSodium();
    return bound <= 1 ? 0 : randombytes_uniform(bound);
}

}  // namespace svarboks::shared
