#pragma once
// The `svarboks-central` command line: init, serve, and the central team's admin commands. Everything
// except `serve` runs against the data folder directly (safely beside a running server: SQLite WAL).
#include <iosfwd>
#include <string>
#include <vector>

namespace svarboks::server {

/// Runs one command (`args` without the program name), writing results to `out` and problems to `err`.
/// Returns the exit code: 0 success, 1 failure (the message says why), 2 wrong usage. Never throws.
[[nodiscard]] int runCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

/// The usage text.
[[nodiscard]] std::string usage();

}  // namespace svarboks::server
