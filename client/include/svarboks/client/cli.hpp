#pragma once
// The `svarboks` command line (CLI11): it parses, and its subcommands call library functions that tests call
// directly. Without a subcommand it runs the kiosk.
#include "svarboks/sync/enroll.hpp"

#include <filesystem>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

namespace svarboks::client {

/// `svarboks [--config FILE] [--windowed WxH]`: the kiosk itself.
struct KioskOptions {
    std::string config;  ///< "" = shared::defaultConfigPath()
    int width = 0;       ///< 0 = full screen
    int height = 0;
};

/// Runs the kiosk's window (the executable's platform layer); returns the process exit code.
using KioskRunner = std::function<int(const KioskOptions&)>;

/// Runs `svarboks ARGS...` (args without the program name), reading input (the PIN for `config set-pin`)
/// from `in`. Without a subcommand, calls `runKiosk` (none given: a usage error). Returns the process exit
/// code; 2 for a usage error, printed on `err` as "svarboks: problem" (shared/command_line.hpp); --help
/// prints on `out`. Never throws.
[[nodiscard]] int runCli(const std::vector<std::string>& args, std::istream& in, std::ostream& out, std::ostream& err,
                         const KioskRunner& runKiosk = {});
/// The same, reading input from std::cin.
[[nodiscard]] int runCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

/// `svarboks survey lint [--lix] FILE...`: the problems, and with `eachLix` the LIX of each Danish question
/// text and a summary; 0 when every file is valid, 1 otherwise.
[[nodiscard]] int surveyLint(const std::vector<std::string>& files, bool eachLix, std::ostream& out);

struct WalkOptions {
    std::string file;
    std::string answers;  ///< JSON text, or @path to read it from
    std::string locale;   ///< "" = the survey's default
    bool json = false;
};

/// `svarboks survey walk`: 0 when the answers are valid, 1 when they are not, 2 when the survey (or the
/// answers' JSON) cannot be used.
[[nodiscard]] int surveyWalk(const WalkOptions& options, std::ostream& out, std::ostream& err);

struct ConfigInitOptions {
    std::string config;     ///< "" = shared::defaultConfigPath()
    std::string publicKey;  ///< central_public_key
    std::string unit;       ///< unit_name
    std::string survey;     ///< survey_file; "" = defaultSurveyPath(); relative paths: to the current folder
    std::string endpoint;   ///< endpoint_url
    bool force = false;     ///< replace an existing file
};

/// `svarboks config init`: writes a config with every key (mode 0600, creating the folder) and prints it.
/// 0 when written; 1 when the file exists (without --force) or a value is invalid, with nothing written.
[[nodiscard]] int configInit(const ConfigInitOptions& options, std::ostream& out, std::ostream& err);

/// `svarboks config set-pin`: reads one line, the admin PIN, from `in` (when `in` is std::cin on a terminal:
/// asks twice, without echo, prompting on `err`) and stores only its Argon2id hash in the config, leaving
/// the other keys as written. 0 when stored; 1 when the PIN or the config is unusable. Never prints the PIN.
[[nodiscard]] int configSetPin(const std::string& config, std::istream& in, std::ostream& out, std::ostream& err);

/// `svarboks config check`: prints "FILE: ok" and returns 0, or prints each problem (one line each, the
/// config's and then the survey's) and returns 1. Also warns when a file holding secrets is readable by others.
[[nodiscard]] int configCheck(const std::string& config, std::ostream& out);

/// `svarboks sync [--config FILE]`: one sync pass in the foreground (sync/uploader.hpp). 0 only when the outbox
/// is empty (nothing pending, held or in quarantine); otherwise 1 and one line on `err` saying why; 2 for a
/// config error.
[[nodiscard]] int syncCommand(const std::string& config, std::ostream& out, std::ostream& err);

/// `svarboks outbox retry-quarantined [--config FILE]`: moves every quarantined response back to pending, for the
/// next sync to send (once the central team has fixed why the server rejected them). 0 when done, with how
/// many; 1 when the outbox fails; 2 for a config error.
[[nodiscard]] int retryQuarantinedCommand(const std::string& config, std::ostream& out, std::ostream& err);

/// `svarboks status [--json] [--config FILE]`: counts, the last attempt and its result, the last success, the sync
/// state in words, and the quarantined responses with their reasons. 0 when shown; 2 for a config error.
[[nodiscard]] int statusCommand(const std::string& config, bool json, std::ostream& out, std::ostream& err);

/// `svarboks doctor [--config FILE]`: every check of kioskDoctor (kiosk_doctor.hpp), one line each with what
/// to do, in English (shared::printChecks). 0 when no line is a problem (warnings alone: 0), 1 when any is;
/// 2 when the kiosk's texts cannot be read.
[[nodiscard]] int doctorCommand(const std::string& config, std::ostream& out, std::ostream& err);

/// `svarboks enroll CODE --endpoint URL [--ca FILE] [--config FILE] [--request-id UUID]`: enrols the kiosk with
/// `options` (code, endpoint, CA file, request id; the command line has checked their form), stores the token
/// and the central public key in the config (mode 0600; a new one starts from IT's defaults, kiosk_setup.hpp),
/// then fetches the unit's survey (sync::fetchUnitSurvey). 0 when enrolled and the survey is on the kiosk; 1
/// when refused or not stored (with the command that retries with the same request id), or enrolled without
/// the unit's survey (saying why and that the kiosk keeps trying).
[[nodiscard]] int enrollCommand(sync::EnrollOptions options, const std::string& config, std::ostream& out, std::ostream& err);

/// The survey `config init` uses without --survey: the absolute path of the default survey,
/// assets/surveys/digital-kompetence.json in the source tree this binary was built from.
[[nodiscard]] std::filesystem::path defaultSurveyPath();

}  // namespace svarboks::client
