#include "svarboks/client/cli.hpp"

#include "svarboks/client/kiosk_app.hpp"

#include <iostream>
#include <ostream>

namespace svarboks::client {

namespace {

constexpr const char* kUsage = R"(usage:
  svarboks [--config FILE] [--windowed WxH]
      Run the kiosk (full screen unless --windowed).
  svarboks simulate N [--seed S] [--config FILE] [--print-ids] [--into-production-outbox]
      Complete N random valid responses through the kiosk's own model, with no window, into the outbox,
      at a person's pace (none is held). Refuses a config that sends its outbox to a central endpoint
      (enrolled, or endpoint_url set), since the fake answers would count in real reports; use a separate
      test config, or add --into-production-outbox if you really mean it.
  svarboks survey lint FILE...
      Check survey definitions. One line per problem: FILE: /json/pointer: message.
      Exit 0 when all are valid, 1 otherwise.
  svarboks survey walk FILE --answers JSON|@FILE [--locale L] [--json]
      Show what a respondent with these answers goes through: visible and required questions,
      validity and the competence profile. Exit 0 when valid, 1 when the answers are invalid,
      2 when the survey is.
  svarboks config init [--config FILE] [--survey FILE] [--unit NAME] [--endpoint URL] [--public-key B64] [--force]
      Write a kiosk config with every key and its default (mode 0600), creating the folder, and print it.
      Without --survey, the default survey. Refuses to replace an existing file unless --force (which
      drops its PIN and enrolment).
  svarboks config set-pin [--config FILE]
      Read the admin PIN (6-8 digits, one line) from standard input, asking twice without echo on a
      terminal, and store only its Argon2id hash.
  svarboks config check [--config FILE]
      Check the config and the survey it names: prints "FILE: ok" (exit 0) or each problem (exit 1).
  svarboks enroll CODE --endpoint URL [--ca FILE] [--config FILE]
      Enrol this kiosk with a one-time code from the central team: stores the device token, the
      endpoint and the central public key in the config (mode 0600), creating it from IT's defaults
      ($SVARBOKS_DEFAULTS, else /etc/svarboks/kiosk.json) if needed, then fetches the unit's survey.
      Exit 0 only when the kiosk has its unit's survey; without it the kiosk shows "not ready".
  svarboks sync [--config FILE]
      Send what is waiting in the outbox now, in the foreground. Exit 0 only when the outbox is empty
      (nothing pending, held or in quarantine); otherwise 1 and one line saying why.
  svarboks status [--json] [--config FILE]
      Pending, quarantined and held counts, the last sync attempt and its result, the last success.
  svarboks outbox retry-quarantined [--config FILE]
      Move every quarantined response back to pending, for the next sync to send, once the central
      team has fixed why the server rejected them.
  Without --config: $SVARBOKS_CONFIG, else /etc/svarboks/kiosk.json as root, else
  $XDG_CONFIG_HOME/svarboks/kiosk.json (~/.config/svarboks/kiosk.json). Exit 2 for a usage error.
)";

int usage(std::ostream& err, const std::string& problem) {
    if (!problem.empty()) err << "svarboks: " << problem << "\n";
    err << kUsage;
    return 2;
}

int walkCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    WalkOptions options;
    bool haveAnswers = false;
    for (std::size_t i = 2; i < args.size(); ++i) {
        const std::string& arg = args[i];
        const auto value = [&]() -> const std::string* { return i + 1 < args.size() ? &args[++i] : nullptr; };
        if (arg == "--json") {
            options.json = true;
        } else if (arg == "--answers") {
            const auto* v = value();
            if (!v) return usage(err, "--answers needs a value: JSON text or @file");
            options.answers = *v;
            haveAnswers = true;
        } else if (arg == "--locale") {
            const auto* v = value();
            if (!v) return usage(err, "--locale needs a value such as da or en");
            options.locale = *v;
        } else if (arg.rfind("--", 0) == 0) {
            return usage(err, "unknown option '" + arg + "'");
        } else if (options.file.empty()) {
            options.file = arg;
        } else {
            return usage(err, "walk takes one survey file; '" + arg + "' is one too many");
        }
    }
    if (options.file.empty()) return usage(err, "walk needs a survey file");
    if (!haveAnswers) return usage(err, "walk needs --answers JSON or --answers @file");
    return surveyWalk(options, out, err);
}

int configInitCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    ConfigInitOptions options;
    for (std::size_t i = 2; i < args.size(); ++i) {
        const std::string& arg = args[i];
        const auto value = [&]() -> const std::string* { return i + 1 < args.size() ? &args[++i] : nullptr; };
        std::string* target = nullptr;
        if (arg == "--force") {
            options.force = true;
            continue;
        }
        if (arg == "--config") target = &options.config;
        else if (arg == "--survey") target = &options.survey;
        else if (arg == "--unit") target = &options.unit;
        else if (arg == "--endpoint") target = &options.endpoint;
        else if (arg == "--public-key") target = &options.publicKey;
        else if (arg.rfind("--", 0) == 0) return usage(err, "unknown option '" + arg + "'");
        else return usage(err, "init takes no file argument; use --config " + arg);
        const auto* v = value();
        if (!v) return usage(err, arg + " needs a value");
        *target = *v;
    }
    return configInit(options, out, err);
}

// Parses the only option of `config set-pin` and `config check`; nullopt after printing a usage error.
std::optional<std::string> configOption(const std::vector<std::string>& args, std::ostream& err, int& code) {
    std::string config;
    for (std::size_t i = 2; i < args.size(); ++i) {
        if (args[i] == "--config" && i + 1 < args.size()) {
            config = args[++i];
        } else {
            code = usage(err, args[i] == "--config" ? "--config needs a value" : "unknown argument '" + args[i] + "'");
            return std::nullopt;
        }
    }
    return config;
}

}  // namespace

int runCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) { return runCli(args, std::cin, out, err); }

int runCli(const std::vector<std::string>& args, std::istream& in, std::ostream& out, std::ostream& err) {
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        (args.empty() ? err : out) << kUsage;
        return args.empty() ? 2 : 0;
    }
    if (args[0] == "simulate") return simulateCommand(args, out, err);
    if (args[0] == "sync") return syncCommand(args, out, err);
    if (args[0] == "status") return statusCommand(args, out, err);
    if (args[0] == "enroll") return enrollCommand(args, out, err);
    if (args[0] == "outbox") return outboxCommand(args, out, err);
    if (args[0] == "survey") {
        if (args.size() < 2) return usage(err, "survey needs a command: lint or walk");
        if (args[1] == "lint") {
            if (args.size() < 3) return usage(err, "lint needs at least one survey file");
            return surveyLint({args.begin() + 2, args.end()}, out);
        }
        if (args[1] == "walk") return walkCommand(args, out, err);
        return usage(err, "unknown survey command '" + args[1] + "'");
    }
    if (args[0] == "config") {
        if (args.size() < 2) return usage(err, "config needs a command: init, set-pin or check");
        if (args[1] == "init") return configInitCommand(args, out, err);
        if (args[1] == "set-pin" || args[1] == "check") {
            int code = 2;
            const auto config = configOption(args, err, code);
            if (!config) return code;
            return args[1] == "check" ? configCheck(*config, out) : configSetPin(*config, in, out, err);
        }
        return usage(err, "unknown config command '" + args[1] + "'");
    }
    return usage(err, "unknown command '" + args[0] + "'");
}

}  // namespace svarboks::client
