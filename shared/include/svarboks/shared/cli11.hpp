#pragma once
// CLI11 (Debian's libcli11-dev), included through here only. GCC 12 at -O1 (the ThreadSanitizer build)
// inlines CLI::detail::split into our files and then warns of a "potential null pointer dereference"
// inside libstdc++'s std::string that is not there; -Werror would turn that into a failed build.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <CLI/CLI.hpp>
#pragma GCC diagnostic pop
