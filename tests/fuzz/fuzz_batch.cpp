// A POST /api/v1/batches body as the central endpoint reads it (api.cpp): decoded (identity or gzip, at
// most kMaxBodyBytes after inflating), parsed as JSON with the depth limit, then checked by
// shared::batchRequestFromJson. How the bytes arrive:
//   1f 8b ...  the input is the gzip body itself (Content-Encoding: gzip);
//   01 ...     the rest is gzip-compressed here first, so the JSON stages see what the fuzzer wrote, and
//              decoding must give back exactly the rest;
//   02 ...     the rest as a gzip body against a 1 KiB limit (the 413 path of a gzip bomb);
//   otherwise  the input is an uncompressed body.
// A batch that passes must survive a round trip through its JSON, and the kiosk's delivery check must
// accept the server's answer to it. Seeds: tests/data/protocol, tests/fuzz/seeds/batch. Dictionary: json.dict.
#include "fuzz_check.hpp"

#include "svarboks/server/body.hpp"
#include "svarboks/shared/protocol.hpp"

#include <array>

using namespace svarboks;

namespace {

bool sameBatch(const shared::BatchRequest& a, const shared::BatchRequest& b) {
    if (a.protocol != b.protocol || a.batchId != b.batchId || a.responses.size() != b.responses.size()) return false;
    for (std::size_t i = 0; i < a.responses.size(); ++i) {
        if (a.responses[i].id != b.responses[i].id || a.responses[i].sealed != b.responses[i].sealed) return false;
    }
    return true;
}

void checkBatch(const shared::BatchRequest& batch) {
    auto again = shared::batchRequestFromJson(shared::toJson(batch));
    fuzz::check(again.ok() && sameBatch(*again, batch), "a valid batch survives a round trip through its JSON");

    constexpr std::array kStatuses = {shared::ItemStatus::Accepted, shared::ItemStatus::Duplicate, shared::ItemStatus::Rejected};
    shared::BatchResponse answer{batch.batchId, {}};
    for (std::size_t i = 0; i < batch.responses.size(); ++i) {
        const auto status = kStatuses[i % kStatuses.size()];
        answer.results.push_back({batch.responses[i].id, status, status == shared::ItemStatus::Rejected ? "cannot be decrypted" : ""});
    }
    auto delivered = shared::batchResponseFromJson(nlohmann::json::parse(shared::toJson(answer).dump()), batch);
    fuzz::check(delivered.ok() && delivered->results.size() == batch.responses.size(), "the kiosk accepts the server's answer to a valid batch");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input = fuzz::text(data, size);
    server::DecodedBody decoded;
    if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b) {
        decoded = server::decodeBody(input, "gzip", shared::kMaxBodyBytes);
    } else if (size >= 1 && data[0] == 0x01) {
        const std::string_view rest = input.substr(1);
        decoded = server::decodeBody(server::gzipCompress(rest), "gzip", shared::kMaxBodyBytes);
        fuzz::check(decoded.ok() && decoded.bytes == rest, "a gzip body decodes to exactly what was compressed");
    } else if (size >= 1 && data[0] == 0x02) {
        decoded = server::decodeBody(input.substr(1), "gzip", 1024);
        fuzz::check(decoded.ok() ? decoded.bytes.size() <= 1024 : decoded.status == 400 || decoded.status == 413,
                    "a gzip body is within the limit, or refused with 400 or 413");
    } else {
        decoded = server::decodeBody(input, "", shared::kMaxBodyBytes);
    }
    if (!decoded.ok()) {
        fuzz::check(!decoded.error.empty(), "a refused body says why");
        return 0;
    }

    auto document = server::parseJsonBody(decoded.bytes);
    if (!document) return 0;
    auto batch = shared::batchRequestFromJson(*document);
    if (!batch) {
        fuzz::check(!batch.error().message.empty(), "a refused batch says why");
        return 0;
    }
    checkBatch(*batch);
    return 0;
}
