#pragma once
// What both command lines (`svarboks`, `svarboks-central`) do with their CLI11 app: a `help` command, and one
// way of ending: help on standard output, usage errors as "PROGRAM: problem" on standard error with exit 2.
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

namespace CLI {
class App;
class Validator;
}  // namespace CLI

namespace svarboks::shared {

/// Exit code of a usage error (a wrong command, option or value).
inline constexpr int kUsageError = 2;

/// Parses `args` (without the program name) with `app`, whose callbacks run the chosen command and set
/// `exitCode`, and returns the exit code: `exitCode` as they left it; 0 after printing the help of the command
/// that `--help` (or `help` before it) follows on `out`; kUsageError after a usage error (from CLI11, or a
/// CLI::ParseError thrown by a callback), printed on `err` as "PROGRAM: problem" with the command whose
/// --help shows its usage; 1 after any other exception, printed as "PROGRAM: what". Adds a `help` command to
/// `app`. Never throws.
[[nodiscard]] int runCommandLine(CLI::App& app, const std::vector<std::string>& args, const int& exitCode, std::ostream& out,
                                 std::ostream& err);

/// A check for an option's text: when `valid` says no, the usage error reads "--option: 'TEXT': expected
/// `expected`".
[[nodiscard]] CLI::Validator expecting(std::function<bool(const std::string&)> valid, const std::string& expected);

}  // namespace svarboks::shared
