// The seal opener (shared::openSealed) with a fixed key pair, and the payload parser
// (shared::parseResponsePayload) on whatever opens. Each input is tried three ways:
//   - as the sealed bytes themselves;
//   - as base64 text of sealed bytes (how a batch or an export carries them);
//   - as a plaintext sealed here to the key pair: it must open to exactly those bytes, and then the
//     payload parser sees what the fuzzer wrote. A payload that parses must survive a round trip.
// The key pair is the test pair of tests/data/protocol/sealed-payload.json, so that file's sealed value
// (tests/fuzz/seeds/seal) opens. Seeds: tests/data/protocol, tests/fuzz/seeds/seal. Dictionary: json.dict.
#include "fuzz_check.hpp"

#include "svarboks/shared/protocol.hpp"
#include "svarboks/shared/sealing.hpp"

#include <algorithm>

using namespace svarboks;

namespace {

const shared::KeyPair& keys() {
    static const shared::KeyPair pair = [] {
        shared::KeyPair made;
        auto publicKey = shared::parsePublicKey("o+BBpmK+yKwsBkC5CUF7ZEf0sh1y+3twEirYeKP8rRw=");
        auto secretKey = shared::fromBase64("OUTH46cu79LV8HjTRDg3UCbr6vpMRWd2EX8hfWXDRjs=");
        fuzz::check(shared::sodiumInit() && publicKey.ok() && secretKey.ok() && secretKey->size() == made.secretKey.size(),
                    "the fixed key pair loads");
        made.publicKey = *publicKey;
        std::copy(secretKey->begin(), secretKey->end(), made.secretKey.begin());
        return made;
    }();
    return pair;
}

bool samePayload(const shared::ResponsePayload& a, const shared::ResponsePayload& b) {
    return a.surveyId == b.surveyId && a.surveyVersion == b.surveyVersion && a.definitionSha256 == b.definitionSha256 &&
           a.consentSha256 == b.consentSha256 && a.period == b.period && a.locale == b.locale && a.answers == b.answers;
}

void parsePayload(std::string_view plaintext) {
    auto payload = shared::parseResponsePayload(plaintext);
    if (!payload) {
        fuzz::check(!payload.error().message.empty(), "a refused payload says why");
        return;
    }
    auto again = shared::responsePayloadFromJson(shared::toJson(*payload));
    fuzz::check(again.ok() && samePayload(*again, *payload), "a valid payload survives a round trip through its JSON");
}

void open(std::string_view sealed) {
    if (auto opened = shared::openSealed(sealed, keys())) parsePayload(*opened);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input = fuzz::text(data, size);
    open(input);
    if (auto decoded = shared::fromBase64(input)) open(*decoded);

    const std::string sealed = shared::seal(input, keys().publicKey);
    auto opened = shared::openSealed(sealed, keys());
    fuzz::check(opened.ok() && *opened == input, "a sealed value opens to exactly its plaintext");
    parsePayload(input);
    return 0;
}
