#include "svarboks/client/cli.hpp"

#include "svarboks/client/kiosk_app.hpp"
#include "svarboks/shared/command_line.hpp"
#include "svarboks/shared/sealing.hpp"

#include "svarboks/shared/cli11.hpp"

#include <cstdio>
#include <iostream>
#include <memory>
#include <ostream>

namespace svarboks::client {

namespace {

// Where the commands read and write, and the exit code the one that ran leaves.
struct Console {
    std::istream& in;
    std::ostream& out;
    std::ostream& err;
    int code = 0;
};

constexpr const char* kConfigHelp = "the kiosk config (default: $SVARBOKS_CONFIG, else /etc/svarboks/kiosk.json as root, "
                                    "else ~/.config/svarboks/kiosk.json)";

CLI::Option* addConfigOption(CLI::App& command, std::string& config) {
    return command.add_option("--config", config, kConfigHelp)->type_name("FILE");
}

// "1280x800", between 320x240 and 16384x16384.
bool parseWindowSize(const std::string& text, KioskOptions& options) {
    int width = 0;
    int height = 0;
    char end = 0;
    if (std::sscanf(text.c_str(), "%dx%d%c", &width, &height, &end) != 2 || width < 320 || height < 240 || width > 16384 || height > 16384) {
        return false;
    }
    options.width = width;
    options.height = height;
    return true;
}

void addSimulate(CLI::App& app, Console& console) {
    auto options = std::make_shared<SimulateOptions>();
    CLI::App* command = app.add_subcommand("simulate", "Complete N random valid responses into the outbox, with no window");
    command->add_option("N", options->count, "how many")->required()->check(CLI::Range(0LL, 999'999'999LL));
    command->add_option("--seed", options->seed, "the random seed (default: a random one, printed at the end)")->type_name("S");
    addConfigOption(*command, options->config);
    command->add_flag("--print-ids", options->printIds, "print 'committed ID' once each response is durable");
    command->add_flag("--into-production-outbox", options->intoProductionOutbox,
                      "add them even though the config sends its outbox to a central endpoint (enrolled, or endpoint_url set), "
                      "where the fake answers would count in real reports");
    command->callback([options, &console] { console.code = simulateCommand(*options, console.out, console.err); });
}

void addSurvey(CLI::App& app, Console& console) {
    CLI::App* survey = app.add_subcommand("survey", "Check survey definitions")->require_subcommand(1);
    auto files = std::make_shared<std::vector<std::string>>();
    auto eachLix = std::make_shared<bool>(false);
    CLI::App* command = survey->add_subcommand("lint", "Check survey definitions: one line per problem (exit 1 if any); a "
                                                        "Danish question text above LIX 40 is a warning");
    command->add_option("FILE", *files, "survey definitions")->required();
    command->add_flag("--lix", *eachLix, "also the LIX (readability) of every Danish question text, and their mean and highest");
    command->callback([files, eachLix, &console] { console.code = surveyLint(*files, *eachLix, console.out); });

    auto walk = std::make_shared<WalkOptions>();
    command = survey->add_subcommand("walk", "What a respondent with these answers goes through (exit 1: invalid answers)");
    command->add_option("FILE", walk->file, "the survey definition")->required();
    command->add_option("--answers", walk->answers, "the answers as a JSON object, or @FILE to read them from")->required()->type_name("JSON|@FILE");
    command->add_option("--locale", walk->locale, "the language, such as da or en (default: the survey's)")->type_name("L");
    command->add_flag("--json", walk->json, "print one JSON object");
    command->callback([walk, &console] { console.code = surveyWalk(*walk, console.out, console.err); });
}

void addConfig(CLI::App& app, Console& console) {
    CLI::App* config = app.add_subcommand("config", "Write and check the kiosk config")->require_subcommand(1);
    auto init = std::make_shared<ConfigInitOptions>();
    CLI::App* command = config->add_subcommand("init", "Write a kiosk config with every key and its default (mode 0600)");
    addConfigOption(*command, init->config);
    command->add_option("--survey", init->survey, "the survey it shows (default: the shipped digital-kompetence.json)")->type_name("FILE");
    command->add_option("--unit", init->unit, "the unit's name, as shown on the admin screen")->type_name("NAME");
    command->add_option("--endpoint", init->endpoint, "the central endpoint (enroll sets it too)")->type_name("URL");
    command->add_option("--public-key", init->publicKey, "the central endpoint's public key (enroll sets it too)")->type_name("B64");
    command->add_flag("--force", init->force, "replace an existing config (its PIN and enrolment are lost)");
    command->callback([init, &console] { console.code = configInit(*init, console.out, console.err); });

    auto file = std::make_shared<std::string>();
    command = config->add_subcommand("set-pin", "Read the admin PIN (6-8 digits) from standard input; store its hash");
    addConfigOption(*command, *file);
    command->callback([file, &console] { console.code = configSetPin(*file, console.in, console.out, console.err); });

    command = config->add_subcommand("check", "Check the config and its survey: 'FILE: ok', or each problem (exit 1)");
    addConfigOption(*command, *file);
    command->callback([file, &console] { console.code = configCheck(*file, console.out); });
}

void addEnroll(CLI::App& app, Console& console) {
    auto options = std::make_shared<sync::EnrollOptions>();
    auto config = std::make_shared<std::string>();
    CLI::App* command = app.add_subcommand("enroll", "Enrol this kiosk with a one-time code from the central team, then fetch its unit's survey (exit 0 only when the kiosk has it)");
    command->add_option("CODE", options->code, "the enrolment code, such as K7QM-3XHD-9PAB")->required();
    command->add_option("--endpoint", options->endpointUrl, "the central endpoint")
        ->required()
        ->type_name("URL")
        ->check(shared::expecting([](const std::string& url) { return url.rfind("https://", 0) == 0; }, "an https:// URL"));
    command->add_option("--ca", options->caFile, "the CA certificate to trust (default: the system's)")->type_name("FILE")->check(CLI::ExistingFile);
    addConfigOption(*command, *config);
    command->add_option("--request-id", options->requestId, "the request id of an attempt to repeat (printed when one fails)")
        ->type_name("UUID")
        ->check(shared::expecting(shared::isUuidV4, "a lower-case UUID v4"));
    command->callback([options, config, &console] { console.code = enrollCommand(*options, *config, console.out, console.err); });
}

void addSync(CLI::App& app, Console& console) {
    auto config = std::make_shared<std::string>();
    CLI::App* command = app.add_subcommand("sync", "Send what waits in the outbox now (exit 0 only when it is empty)");
    addConfigOption(*command, *config);
    command->callback([config, &console] { console.code = syncCommand(*config, console.out, console.err); });

    auto json = std::make_shared<bool>(false);
    auto statusConfig = std::make_shared<std::string>();
    command = app.add_subcommand("status", "The outbox's counts and the last sync attempts");
    command->add_flag("--json", *json, "print one JSON object");
    addConfigOption(*command, *statusConfig);
    command->callback([json, statusConfig, &console] { console.code = statusCommand(*statusConfig, *json, console.out, console.err); });

    CLI::App* outbox = app.add_subcommand("outbox", "Act on the outbox");
    outbox->require_subcommand(1);
    auto outboxConfig = std::make_shared<std::string>();
    command = outbox->add_subcommand("retry-quarantined",
                                     "Move every quarantined response back to pending, for the next sync to send, once the central "
                                     "team has fixed why the server rejected them");
    addConfigOption(*command, *outboxConfig);
    command->callback([outboxConfig, &console] { console.code = retryQuarantinedCommand(*outboxConfig, console.out, console.err); });
}

void addDoctor(CLI::App& app, Console& console) {
    auto config = std::make_shared<std::string>();
    CLI::App* command = app.add_subcommand(
        "doctor", "Check this kiosk as IT would: config, clock and time zone, disk, fonts, display, outbox, endpoint, TLS and pin, "
                  "enrolment and survey; one line each, with what to do (exit 1 when any line is a problem; warnings alone: 0)");
    addConfigOption(*command, *config);
    command->callback([config, &console] { console.code = doctorCommand(*config, console.out, console.err); });
}

}  // namespace

int runCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) { return runCli(args, std::cin, out, err); }

int runCli(const std::vector<std::string>& args, std::istream& in, std::ostream& out, std::ostream& err, const KioskRunner& runKiosk) {
    CLI::App app("The Svarboks survey kiosk. Without a command it runs the kiosk (full screen unless --windowed).", "svarboks");
    app.require_subcommand(0, 1);
    Console console{in, out, err};
    KioskOptions kiosk;
    CLI::Option* config = addConfigOption(app, kiosk.config);
    CLI::Option* windowed = app.add_option_function<std::string>("--windowed", [&kiosk](const std::string& text) {
        if (!parseWindowSize(text, kiosk)) throw CLI::ValidationError("--windowed", "expected a size such as 1280x800, got '" + text + "'");
    }, "run in a window of this size (Esc closes it)")->type_name("WxH");
    addSimulate(app, console);
    addSurvey(app, console);
    addConfig(app, console);
    addEnroll(app, console);
    addSync(app, console);
    addDoctor(app, console);
    // The kiosk's options are not a command's: `svarboks --config FILE sync` would sync the default config.
    for (CLI::App* command : app.get_subcommands({})) command->excludes(config)->excludes(windowed);
    app.footer("Exit 2 for a usage error. COMMAND --help shows a command's options.");
    app.callback([&] {
        if (!app.get_subcommands().empty()) return;
        if (!runKiosk) throw CLI::RequiredError::Subcommand(1);
        console.code = runKiosk(kiosk);
    });
    return shared::runCommandLine(app, args, console.code, out, err);
}

}  // namespace svarboks::client
