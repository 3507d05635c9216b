#pragma once
// The `svarboks` command line: subcommands dispatch to library functions that tests call directly.
#include <iosfwd>
#include <string>
#include <vector>

namespace svarboks::client {

/// Runs `svarboks ARGS...` (args without the program name). Returns the process exit code.
[[nodiscard]] int runCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

/// `svarboks survey lint FILE...`: 0 when every file is valid, 1 otherwise.
[[nodiscard]] int surveyLint(const std::vector<std::string>& files, std::ostream& out);

struct WalkOptions {
    std::string file;
    std::string answers;  ///< JSON text, or @path to read it from
    std::string locale;   ///< "" = the survey's default
    bool json = false;
};

/// `svarboks survey walk`: 0 when the answers are valid, 1 when they are not, 2 when the survey (or the
/// answers' JSON) cannot be used.
[[nodiscard]] int surveyWalk(const WalkOptions& options, std::ostream& out, std::ostream& err);

}  // namespace svarboks::client
