#pragma once
// Request bodies as they arrive: optionally gzip-compressed (PROTOCOL.md), always size-capped, then JSON.
#include "svarboks/shared/result.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace svarboks::server {

/// A decoded body, or the HTTP status and message to refuse it with.
struct DecodedBody {
    std::string bytes;
    int status = 0;  ///< 0 when decoded; 400 or 413 otherwise
    std::string error;
    [[nodiscard]] bool ok() const { return status == 0; }
};

/// Decodes a body sent with `contentEncoding` ("" / "identity" or "gzip"), allowing at most `limit` bytes
/// after decompression. 413 when it is larger: a gzip bomb is stopped as soon as its output passes the
/// limit, never inflated whole. 400 for corrupt or truncated gzip, bytes after the gzip stream, or another
/// encoding. Never throws; thread-safe.
[[nodiscard]] DecodedBody decodeBody(std::string_view raw, std::string_view contentEncoding, std::size_t limit);

/// The deepest nesting a request body may have (PROTOCOL.md's shapes need 3).
inline constexpr int kMaxJsonDepth = 32;

/// Parses a UTF-8 JSON body; the error starts with "the body is not JSON: ". Never throws.
[[nodiscard]] shared::Result<nlohmann::json> parseJsonBody(std::string_view bytes);

/// gzip-compresses `bytes` (for tests and tools that speak to the endpoint).
[[nodiscard]] std::string gzipCompress(std::string_view bytes);

}  // namespace svarboks::server
