#include "svarboks/shared/command_line.hpp"

#include "svarboks/shared/cli11.hpp"

#include <ostream>

namespace svarboks::shared {

namespace {

// The command given: `units add` of `svarboks-central units add ...`.
const CLI::App& chosenCommand(const CLI::App& app) {
    const CLI::App* command = &app;
    while (!command->get_subcommands().empty()) command = command->get_subcommands().front();
    return *command;
}

std::string pathOf(const CLI::App& command) {
    std::string path = command.get_name();
    for (const CLI::App* parent = command.get_parent(); parent != nullptr; parent = parent->get_parent()) path = parent->get_name() + " " + path;
    return path;
}

std::string commandNames(const CLI::App& command) {
    std::string names;
    for (const CLI::App* sub : command.get_subcommands([](const CLI::App* app) { return !app->get_group().empty(); })) {
        names += (names.empty() ? "" : ", ") + sub->get_name();
    }
    return names;
}

// CLI11's own words, except where a command is missing or unknown and where its list of extras is reversed.
std::string problemOf(const CLI::App& app, const CLI::App& command, const CLI::ParseError& error) {
    const std::vector<std::string> extras = app.remaining(true);
    const bool unknownCommand = !extras.empty() && extras.front().rfind('-', 0) != 0 && !commandNames(command).empty() &&
                                command.get_subcommands().empty();
    if (unknownCommand) return "unknown command '" + extras.front() + "'; expected one of: " + commandNames(command);
    if (dynamic_cast<const CLI::RequiredError*>(&error) != nullptr && command.get_require_subcommand_min() > 0 &&
        command.get_subcommands().empty()) {
        return "expected a command: " + commandNames(command);
    }
    if (dynamic_cast<const CLI::ExtrasError*>(&error) != nullptr) {
        std::string listed;
        for (const auto& extra : extras) listed += (listed.empty() ? "'" : " '") + extra + "'";
        return "unexpected argument" + std::string(extras.size() == 1 ? " " : "s ") + listed;
    }
    return error.what();
}

}  // namespace

CLI::Validator expecting(std::function<bool(const std::string&)> valid, const std::string& expected) {
    return CLI::Validator([valid = std::move(valid), expected](std::string& text) {
        return valid(text) ? std::string() : "'" + text + "': expected " + expected;
    }, "");
}

int runCommandLine(CLI::App& app, const std::vector<std::string>& args, const int& exitCode, std::ostream& out, std::ostream& err) {
    const std::string program = app.get_name();
    try {
        CLI::App* help = app.add_subcommand("help", "Print this help and exit");
        help->callback([] { throw CLI::CallForHelp(); });
        std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 takes the last argument first
        try {
            app.parse(reversed);
        } catch (const CLI::CallForHelp&) {
            const CLI::App& command = chosenCommand(app);
            const CLI::App& shown = &command == help ? app : command;
            out << app.get_formatter()->make_help(&shown, pathOf(shown), CLI::AppFormatMode::Normal);
            return 0;
        } catch (const CLI::ParseError& error) {
            const CLI::App& command = chosenCommand(app);
            err << program << ": " << problemOf(app, command, error) << "\nTry '" << pathOf(command) << " --help' for more information.\n";
            return kUsageError;
        }
        return exitCode;
    } catch (const std::exception& e) {
        err << program << ": " << e.what() << '\n';
        return 1;
    }
}

}  // namespace svarboks::shared
