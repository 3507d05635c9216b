#pragma once
// The `svarboks-central` command line: init, serve, and the central team's admin commands. Everything
// except `serve` runs against the data folder directly (safely beside a running server: SQLite WAL).
#include <iosfwd>
#include <string>
#include <vector>

namespace svarboks::server {

/// Runs one command (`args` without the program name), writing results and --help to `out` and problems to
/// `err`. Returns the exit code: 0 success, 1 failure (the message says why), 2 wrong usage (the message
/// names the option or command, see shared/command_line.hpp). Never throws.
[[nodiscard]] int runCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace svarboks::server
