#pragma once
// What the fuzz targets share: a property that must hold for every input. A violation aborts, so libFuzzer
// saves the input as a crash (like an ASan or UBSan report) and the run fails.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace svarboks::fuzz {

/// Aborts with `what` on stderr when `holds` is false.
inline void check(bool holds, const char* what) {
    if (!holds) {
        std::fprintf(stderr, "fuzz: property violated: %s\n", what);
        std::abort();
    }
}

/// The fuzzer's bytes as text (any bytes, not necessarily UTF-8).
inline std::string_view text(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

}  // namespace svarboks::fuzz
