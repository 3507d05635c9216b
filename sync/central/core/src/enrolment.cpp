#include "svarboks/server/enrolment.hpp"

#include "svarboks/shared/hashing.hpp"
#include "svarboks/shared/protocol.hpp"
#include "svarboks/shared/sealing.hpp"

#include <sodium.h>

#include <array>
#include <charconv>
#include <cstdint>

namespace svarboks::server {

namespace {

constexpr std::string_view kCrockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr std::size_t kCodeSymbols = 12;
constexpr std::string_view kReplayContext = "svarboks enrolment replay v1";

using Key = std::array<unsigned char, crypto_secretbox_KEYBYTES>;

Key replayKey(std::string_view code, std::string_view requestId) {
    std::string input(kReplayContext);
    input += '\0';
    input += shared::normalizeEnrollCode(code);
    input += '\0';
    input += requestId;
    Key key{};
    crypto_generichash(key.data(), key.size(), reinterpret_cast<const unsigned char*>(input.data()), input.size(), nullptr, 0);
    sodium_memzero(input.data(), input.size());
    return key;
}

}  // namespace

std::string generateEnrolmentCode() {
    const std::string bytes = shared::randomBytes(8);
    std::uint64_t bits = 0;
    for (const char byte : bytes) bits = (bits << 8) | static_cast<unsigned char>(byte);
    std::string code;
    for (std::size_t i = 0; i < kCodeSymbols; ++i) {
        if (i > 0 && i % 4 == 0) code += '-';
        code += kCrockford[static_cast<std::size_t>(bits & 31U)];
        bits >>= 5;
    }
    return code;
}

std::string enrolmentCodeHash(std::string_view code) { return shared::sha256Hex(shared::normalizeEnrollCode(code)); }

std::string generateDeviceToken() { return shared::toBase64Url(shared::randomBytes(32)); }

std::string sealReplayToken(std::string_view token, std::string_view code, std::string_view requestId) {
    Key key = replayKey(code, requestId);
    std::string sealed = shared::randomBytes(crypto_secretbox_NONCEBYTES);
    sealed.resize(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + token.size());
    auto* out = reinterpret_cast<unsigned char*>(sealed.data());
    crypto_secretbox_easy(out + crypto_secretbox_NONCEBYTES, reinterpret_cast<const unsigned char*>(token.data()), token.size(), out,
                          key.data());
    sodium_memzero(key.data(), key.size());
    return sealed;
}

shared::Result<std::string> openReplayToken(std::string_view sealed, std::string_view code, std::string_view requestId) {
    if (sealed.size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) return shared::Error{"the stored token is too short"};
    Key key = replayKey(code, requestId);
    std::string token(sealed.size() - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES, '\0');
    const auto* in = reinterpret_cast<const unsigned char*>(sealed.data());
    const int opened = crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(token.data()), in + crypto_secretbox_NONCEBYTES,
                                                  sealed.size() - crypto_secretbox_NONCEBYTES, in, key.data());
    sodium_memzero(key.data(), key.size());
    if (opened != 0) return shared::Error{"the stored token does not open with this code and request id"};
    return token;
}

shared::Result<std::chrono::seconds> parseLifetime(std::string_view text) {
    const auto invalid = [&] {
        return shared::Error{"'" + std::string(text.substr(0, 20)) + "' is not a lifetime; expected e.g. 7d, 36h or 90m (at most 30d)"};
    };
    if (text.size() < 2) return invalid();
    std::int64_t amount = 0;
    const auto parsed = std::from_chars(text.data(), text.data() + text.size() - 1, amount);
    if (parsed.ec != std::errc{} || parsed.ptr != text.data() + text.size() - 1 || amount <= 0 || amount > 100000) return invalid();
    std::chrono::seconds lifetime{};
    switch (text.back()) {
        case 'd': lifetime = std::chrono::hours(24 * amount); break;
        case 'h': lifetime = std::chrono::hours(amount); break;
        case 'm': lifetime = std::chrono::minutes(amount); break;
        default: return invalid();
    }
    if (lifetime > kMaxCodeLifetime) return invalid();
    return lifetime;
}

std::string describeLifetime(std::chrono::seconds lifetime) {
    const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(lifetime).count();
    const auto plural = [](std::int64_t n, const char* word) { return std::to_string(n) + " " + word + (n == 1 ? "" : "s"); };
    if (minutes % 60 != 0) return plural(minutes, "minute");
    if (minutes % (24 * 60) != 0) return plural(minutes / 60, "hour");
    return plural(minutes / (24 * 60), "day");
}

}  // namespace svarboks::server
