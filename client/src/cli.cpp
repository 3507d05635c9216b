#include "svarboks/client/cli.hpp"

#include <ostream>

namespace svarboks::client {

namespace {

constexpr const char* kUsage = R"(usage:
  svarboks survey lint FILE...
      Check survey definitions. One line per problem: FILE: /json/pointer: message.
      Exit 0 when all are valid, 1 otherwise.
  svarboks survey walk FILE --answers JSON|@FILE [--locale L] [--json]
      Show what a respondent with these answers goes through: visible and required questions,
      validity and the competence profile. Exit 0 when valid, 1 when the answers are invalid,
      2 when the survey is.
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

}  // namespace

int runCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        (args.empty() ? err : out) << kUsage;
        return args.empty() ? 2 : 0;
    }
    if (args[0] == "survey") {
        if (args.size() < 2) return usage(err, "survey needs a command: lint or walk");
        if (args[1] == "lint") {
            if (args.size() < 3) return usage(err, "lint needs at least one survey file");
            return surveyLint({args.begin() + 2, args.end()}, out);
        }
        if (args[1] == "walk") return walkCommand(args, out, err);
        return usage(err, "unknown survey command '" + args[1] + "'");
    }
    return usage(err, "unknown command '" + args[0] + "'");
}

}  // namespace svarboks::client
