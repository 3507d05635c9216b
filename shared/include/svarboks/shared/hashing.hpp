#pragma once
#include <string>
#include <string_view>

namespace svarboks::shared {

/// Lower-case hex SHA-256 of `bytes` (libsodium). Thread-safe.
[[nodiscard]] std::string sha256Hex(std::string_view bytes);

}  // namespace svarboks::shared
