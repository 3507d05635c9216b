// The kiosk config parser (shared::parseConfig) on any text. A config that parses is written back as JSON
// (what `config init` writes) and must parse to the same config again.
// Seeds: assets/examples/kiosk.json, tests/fuzz/seeds/config. Dictionary: json.dict.
#include "fuzz_check.hpp"

#include "svarboks/shared/config.hpp"

using namespace svarboks;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::filesystem::path file = "/nonexistent-svarboks-fuzz/kiosk.json";
    auto config = shared::parseConfig(fuzz::text(data, size), file);
    if (!config) {
        fuzz::check(!config.error().message.empty(), "a refused config says why");
        return 0;
    }
    auto again = shared::parseConfig(shared::toJson(*config).dump(), file);
    fuzz::check(again.ok() && *again == *config, "a config written back parses to the same config");
    return 0;
}
