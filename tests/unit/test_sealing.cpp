// Sealing (crypto_box_seal), base64, UUIDs: the cryptographic edge of a response.
#include "test_helpers.hpp"

#include "svarboks/shared/sealing.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace svarboks::shared;

namespace {

std::string keyBytes(const SecretKey& key) { return std::string(reinterpret_cast<const char*>(key.data()), key.size()); }

nlohmann::json readJson(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in);
    std::stringstream text;
    text << in.rdbuf();
    return nlohmann::json::parse(text.str());
}

}  // namespace

TEST_CASE("sealing: sodium initialises once, from any thread") {
    std::vector<std::thread> threads;
    std::vector<char> results(8, 0);
    for (std::size_t i = 0; i < results.size(); ++i) threads.emplace_back([&results, i] { results[i] = sodiumInit() ? 1 : 0; });
    for (auto& thread : threads) thread.join();
    for (char ok : results) CHECK(ok == 1);
}

TEST_CASE("seal round trip") {
    const KeyPair central = generateKeyPair();
    const std::string plaintext = R"({"answers":{"q1":3}})";
    const std::string sealed = seal(plaintext, central.publicKey);
    CHECK(sealed.size() == plaintext.size() + 48);
    CHECK(sealed.find("q1") == std::string::npos);
    const auto opened = openSealed(sealed, central);
    REQUIRE(opened.ok());
    CHECK(*opened == plaintext);

    SUBCASE("sealing is randomised: the same answers never give the same bytes") {
        CHECK(seal(plaintext, central.publicKey) != sealed);
    }
    SUBCASE("an empty plaintext seals and opens too") {
        const auto empty = openSealed(seal("", central.publicKey), central);
        REQUIRE(empty.ok());
        CHECK(empty->empty());
    }
    SUBCASE("binary plaintext survives") {
        const std::string binary("\0\xff\x01 zero", 8);
        CHECK(*openSealed(seal(binary, central.publicKey), central) == binary);
    }
}

TEST_CASE("a sealed value opens only with the recipient's key") {
    const KeyPair central = generateKeyPair();
    const KeyPair other = generateKeyPair();
    const std::string sealed = seal("answers", central.publicKey);
    const auto opened = openSealed(sealed, other);
    REQUIRE_FALSE(opened.ok());
    CHECK(opened.error().message == "cannot open the sealed value: it was not sealed to this key, or it was altered");

    SUBCASE("the right public key with a wrong secret key fails too") {
        KeyPair mixed = central;
        mixed.secretKey = other.secretKey;
        CHECK_FALSE(openSealed(sealed, mixed).ok());
    }
}

TEST_CASE("any altered byte makes a sealed value fail to open") {
    const KeyPair central = generateKeyPair();
    const std::string sealed = seal(R"({"answers":{"q1":3}})", central.publicKey);
    for (std::size_t i = 0; i < sealed.size(); ++i) {
        std::string tampered = sealed;
        tampered[i] = static_cast<char>(tampered[i] ^ 0x01);
        CAPTURE(i);
        CHECK_FALSE(openSealed(tampered, central).ok());
    }
    CHECK_FALSE(openSealed(sealed.substr(0, sealed.size() - 1), central).ok());
    CHECK_FALSE(openSealed(sealed + "x", central).ok());
    const auto tooShort = openSealed(sealed.substr(0, 20), central);
    REQUIRE_FALSE(tooShort.ok());
    CHECK(tooShort.error().message == "sealed value is 20 bytes, shorter than the 48 bytes every sealed value has");
}

TEST_CASE("the protocol fixture opens with its test key (tests/data/protocol/sealed-payload.json)") {
    const auto fixture = readJson(svarboks::test::sourceDir() / "tests/data/protocol/sealed-payload.json");
    const auto publicKey = parsePublicKey(fixture.at("public_key").get<std::string>());
    REQUIRE(publicKey.ok());
    const auto secret = fromBase64(fixture.at("secret_key").get<std::string>());
    REQUIRE(secret.ok());
    REQUIRE(secret->size() == 32);
    KeyPair pair;
    pair.publicKey = *publicKey;
    std::copy(secret->begin(), secret->end(), reinterpret_cast<char*>(pair.secretKey.data()));
    const auto sealed = fromBase64(fixture.at("sealed").get<std::string>());
    REQUIRE(sealed.ok());
    const auto opened = openSealed(*sealed, pair);
    REQUIRE(opened.ok());
    CHECK(*opened == fixture.at("plaintext").get<std::string>());
}

TEST_CASE("base64 round trips, standard and url-safe") {
    CHECK(toBase64("") == "");
    CHECK(toBase64("f") == "Zg==");
    CHECK(toBase64("fo") == "Zm8=");
    CHECK(toBase64("foo") == "Zm9v");
    CHECK(toBase64("\xfb\xff") == "+/8=");
    CHECK(toBase64Url("\xfb\xff") == "-_8");
    CHECK(toBase64Url("f") == "Zg");
    for (std::size_t length = 0; length < 70; ++length) {
        const std::string bytes = randomBytes(length);
        const auto decoded = fromBase64(toBase64(bytes));
        REQUIRE(decoded.ok());
        CHECK(*decoded == bytes);
    }
    CHECK(toBase64Url(randomBytes(32)).size() == 43);
}

TEST_CASE("base64 errors say what is wrong and where") {
    const auto error = [](std::string_view text) {
        const auto result = fromBase64(text);
        REQUIRE_FALSE(result.ok());
        return result.error().message;
    };
    CHECK(error("Zm9v!A==") == "not valid base64: unexpected '!' at character 5");
    CHECK(error("Zm9v\n") == "not valid base64: unexpected byte 0x0a at character 5");
    CHECK(error(" Zm9v") == "not valid base64: unexpected byte 0x20 at character 1");
    CHECK(error("Zm-v") ==
          "not valid base64: unexpected '-' at character 3 (this looks like base64url; standard base64 with '+', '/' and '=' is expected)");
    CHECK(error("A=AA") == "not valid base64: unexpected '=' at character 2");
    CHECK(error("Zg") == "not valid base64: length 2 is not a multiple of 4 (missing '=' padding?)");
    CHECK(error("Zm9vYg=") == "not valid base64: length 7 is not a multiple of 4 (missing '=' padding?)");
    CHECK(error("Zh==") == "not valid base64: wrong '=' padding or stray bits at the end");  // not canonical
    CHECK(error("AAAA====") == "not valid base64: wrong '=' padding or stray bits at the end");
    CHECK(error("Zm9vY===") == "not valid base64: wrong '=' padding or stray bits at the end");
    CHECK(fromBase64("").ok());
}

TEST_CASE("sealing: public keys parse from base64 with clear errors") {
    const KeyPair pair = generateKeyPair();
    const auto parsed = parsePublicKey(publicKeyToBase64(pair.publicKey));
    REQUIRE(parsed.ok());
    CHECK(*parsed == pair.publicKey);
    CHECK(publicKeyToBase64(pair.publicKey).size() == 44);

    CHECK(parsePublicKey(toBase64(std::string(12, 'k'))).error().message == "12 bytes, expected a 32-byte key");
    CHECK(parsePublicKey(toBase64(std::string(33, 'k'))).error().message == "33 bytes, expected a 32-byte key");
    CHECK(parsePublicKey("").error().message == "0 bytes, expected a 32-byte key");
    CHECK(parsePublicKey("not a key").error().message.rfind("not valid base64: ", 0) == 0);
    CHECK(parsePublicKey(toBase64Url(keyBytes(pair.publicKey))).error().message.rfind("not valid base64", 0) == 0);

    SUBCASE("a key nothing can be sealed to is refused, and seal() gives nothing for it") {
        const PublicKey zero{};
        CHECK(parsePublicKey(publicKeyToBase64(zero)).error().message ==
              "not a usable X25519 public key (a low-order point such as all zeros)");
        CHECK(seal("answers", zero).empty());
    }
}

TEST_CASE("UUID v4: format, version and variant bits") {
    for (int i = 0; i < 1000; ++i) {
        const std::string uuid = newUuidV4();
        CAPTURE(uuid);
        REQUIRE(uuid.size() == 36);
        CHECK(uuid[8] == '-');
        CHECK(uuid[13] == '-');
        CHECK(uuid[18] == '-');
        CHECK(uuid[23] == '-');
        CHECK(uuid[14] == '4');
        CHECK(std::string("89ab").find(uuid[19]) != std::string::npos);
        CHECK(uuid.find_first_not_of("0123456789abcdef-") == std::string::npos);
        CHECK(isUuidV4(uuid));
    }
}

TEST_CASE("UUID v4: 10,000 are all different") {
    std::set<std::string> seen;
    for (int i = 0; i < 10000; ++i) seen.insert(newUuidV4());
    CHECK(seen.size() == 10000);
}

TEST_CASE("isUuidV4 is strict") {
    CHECK(isUuidV4("0f8fad5b-d9cb-469f-a165-70867728950e"));
    CHECK(isUuidV4("00000000-0000-4000-8000-000000000000"));
    CHECK(isUuidV4("ffffffff-ffff-4fff-bfff-ffffffffffff"));
    CHECK_FALSE(isUuidV4("0F8FAD5B-D9CB-469F-A165-70867728950E"));   // upper-case
    CHECK_FALSE(isUuidV4("0f8fad5b-d9cb-469f-A165-70867728950e"));   // one upper-case letter
    CHECK_FALSE(isUuidV4("0f8fad5b-d9cb-169f-a165-70867728950e"));   // version 1
    CHECK_FALSE(isUuidV4("0f8fad5b-d9cb-569f-a165-70867728950e"));   // version 5
    CHECK_FALSE(isUuidV4("0f8fad5b-d9cb-469f-c165-70867728950e"));   // variant c (Microsoft)
    CHECK_FALSE(isUuidV4("0f8fad5b-d9cb-469f-7165-70867728950e"));   // variant 7 (NCS)
    CHECK_FALSE(isUuidV4("0f8fad5bd9cb469fa16570867728950e"));       // no dashes
    CHECK_FALSE(isUuidV4("{0f8fad5b-d9cb-469f-a165-70867728950e}")); // braces
    CHECK_FALSE(isUuidV4("0f8fad5b-d9cb-469f-a165-70867728950e "));  // trailing space
    CHECK_FALSE(isUuidV4("0f8fad5b-d9cb-469f-a165-70867728950"));    // short
    CHECK_FALSE(isUuidV4("0f8fad5b-d9cb-469f-a16570867728950e-"));   // dash moved
    CHECK_FALSE(isUuidV4("0f8fad5g-d9cb-469f-a165-70867728950e"));   // not hex
    CHECK_FALSE(isUuidV4(""));
}

TEST_CASE("sealing: random bytes and key pairs") {
    CHECK(randomBytes(0).empty());
    CHECK(randomBytes(32).size() == 32);
    CHECK(randomBytes(32) != randomBytes(32));
    const KeyPair a = generateKeyPair();
    const KeyPair b = generateKeyPair();
    CHECK(a.publicKey != b.publicKey);
    CHECK(keyBytes(a.secretKey) != keyBytes(b.secretKey));
}
