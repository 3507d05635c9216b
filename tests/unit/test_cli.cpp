// `svarboks survey lint`, `svarboks survey walk` and `svarboks simulate`, run in-process as a user would run them.
#include "svarboks/client/cli.hpp"
#include "svarboks/shared/config.hpp"
#include "svarboks/shared/sealing.hpp"
#include "svarboks/sync/outbox.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

using nlohmann::json;

namespace {

struct Run {
    int code;
    std::string out;
    std::string err;
};

Run cli(std::vector<std::string> args) {
    std::ostringstream out, err;
    const int code = svarboks::client::runCli(args, out, err);
    return {code, out.str(), err.str()};
}

const std::string kDefault = std::string(SVARBOKS_SOURCE_DIR) + "/assets/surveys/digital-kompetence.json";
const std::string kPulse = std::string(SVARBOKS_SOURCE_DIR) + "/assets/surveys/pulse.json";

std::filesystem::path writeTemp(const std::string& name, const std::string& text) {
    const auto path = std::filesystem::temp_directory_path() / ("svarboks-cli-" + std::to_string(::getpid()) + "-" + name);
    std::ofstream(path, std::ios::binary) << text;
    return path;
}

}  // namespace

TEST_CASE("lint: the shipped surveys are clean, a bad one is reported per problem with exit 1") {
    const auto clean = cli({"survey", "lint", kDefault, kPulse});
    CHECK(clean.code == 0);
    CHECK(clean.out.empty());
    const auto bad = writeTemp("bad.json", R"({"surveyId": "x", "surveyVersion": "1", "consent": "c",
        "pages": [{"elements": [{"type": "matrix", "name": "m"}, {"type": "boolean", "name": "b", "visibleIf": "{b} = true"}]}]})");
    const auto result = cli({"survey", "lint", kPulse, bad.string()});
    CHECK(result.code == 1);
    CHECK(result.out == bad.string() + ": /pages/0/elements/0/type: element type 'matrix': matrix questions are not supported; "
                                       "use one rating or radiogroup question per row\n");
    std::filesystem::remove(bad);
}

TEST_CASE("lint --lix: the LIX of each Danish question text, then their mean and highest; a hard one is a warning") {
    const auto file = writeTemp("lix.json", R"({"surveyId": "x", "surveyVersion": "1", "consent": "c", "locale": "da",
        "pages": [{"elements": [{"type": "boolean", "name": "easy", "title": "Bruger du en tablet?"},
                                {"type": "boolean", "name": "hard", "title": "Anvender medarbejderne velfærdsteknologiske hjælpemidler dagligt?"}]}]})");
    const auto result = cli({"survey", "lint", "--lix", file.string()});
    CHECK(result.code == 0);  // a warning does not fail the file
    // easy: 4 words, 1 sentence, 0 long = 4; hard: 5 words, 1 sentence, 5 long = 105.
    CHECK(result.out == file.string() + ": /pages/0/elements/1/title: warning: the Danish text has a LIX of 105, above 40: shorter "
                                        "sentences and shorter words make it easier to read\n" +
                            file.string() + ": /pages/0/elements/0/title: LIX 4 (easy)\n" +
                            file.string() + ": /pages/0/elements/1/title: LIX 105 (hard)\n" +
                            file.string() + ": LIX of the 2 Danish question texts: mean 55, highest 105 (hard), 1 above 40\n");
    std::filesystem::remove(file);
}

TEST_CASE("lint: warnings are marked and do not fail the file") {
    const auto file = writeTemp("warn.json", R"({"surveyId": "x", "surveyVersion": "1", "consent": {"da": "ja", "en": "yes"},
        "pages": [{"elements": [{"type": "boolean", "name": "b", "title": {"da": "Hej"}}]}]})");
    const auto result = cli({"survey", "lint", file.string()});
    CHECK(result.code == 0);
    CHECK(result.out == file.string() + ": /pages/0/elements/0/title: warning: missing 'en' translation, which other texts have\n");
    std::filesystem::remove(file);
}

TEST_CASE("walk --json: visible, required, valid, errors and profile; exit codes 0, 1, 2") {
    const auto valid = cli({"survey", "walk", kPulse, "--answers", R"({"used_tools": true, "finding_ease": 4})", "--json"});
    INFO(valid.out << valid.err);
    CHECK(valid.code == 0);
    const json report = json::parse(valid.out);
    CHECK(report["visible"] == json{"intro", "used_tools", "finding_ease", "problem_solved", "help_wanted", "training_hours"});
    CHECK(report["required"] == json{"used_tools"});
    CHECK(report["valid"] == true);
    CHECK(report["errors"].empty());
    CHECK(report["profile"][0]["answered"] == 1);

    const auto hidden = cli({"survey", "walk", kPulse, "--answers", R"({"used_tools": false, "finding_ease": 4})", "--json"});
    CHECK(hidden.code == 1);
    const json hiddenReport = json::parse(hidden.out);
    CHECK(hiddenReport["valid"] == false);
    CHECK(hiddenReport["errors"][0]["question"] == "finding_ease");
    CHECK(std::find(hiddenReport["visible"].begin(), hiddenReport["visible"].end(), "finding_ease") == hiddenReport["visible"].end());

    const auto missing = cli({"survey", "walk", "/nonexistent.json", "--answers", "{}"});
    CHECK(missing.code == 2);
    CHECK(missing.err == "/nonexistent.json: cannot read the file: it does not exist\n");
}

TEST_CASE("walk reads answers from @file, honours --locale and explains bad arguments") {
    const auto answers = writeTemp("answers.json", R"({"used_tools": true})");
    const auto english = cli({"survey", "walk", kPulse, "--answers", "@" + answers.string(), "--locale", "en"});
    CHECK(english.code == 0);
    CHECK(english.out.find("(pulse 2026.1, en)") != std::string::npos);
    std::filesystem::remove(answers);

    const auto badJson = cli({"survey", "walk", kPulse, "--answers", "{oops"});
    CHECK(badJson.code == 2);
    CHECK(badJson.err.find("--answers is not valid JSON") != std::string::npos);
    const auto badLocale = cli({"survey", "walk", kPulse, "--answers", "{}", "--locale", "fr"});
    CHECK(badLocale.code == 2);
    CHECK(badLocale.err == "svarboks: the survey has no locale 'fr'; it offers: da en\n");
    const auto noAnswers = cli({"survey", "walk", kPulse});
    CHECK(noAnswers.code == 2);
    CHECK(noAnswers.err.starts_with("svarboks: --answers is required\n"));
    CHECK(cli({"frobnicate"}).code == 2);
}

// ---- simulate ----

namespace {

struct SimulateKiosk {
    std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                ("svarboks-cli-simulate-" + std::to_string(::getpid()) + "-" + svarboks::shared::toBase64Url(svarboks::shared::randomBytes(6)));
    std::filesystem::path configFile = dir / "kiosk.json";
    svarboks::shared::KioskConfig config;

    SimulateKiosk() {
        REQUIRE(svarboks::shared::sodiumInit());
        config.unitName = "Test";
        config.surveyFile = kDefault;
        config.outboxFile = (dir / "outbox.db").string();
        config.centralPublicKey = svarboks::shared::publicKeyToBase64(svarboks::shared::generateKeyPair().publicKey);
    }
    ~SimulateKiosk() { std::filesystem::remove_all(dir); }
    void save() { REQUIRE(svarboks::shared::saveConfig(config, configFile).ok()); }
    svarboks::sync::OutboxCounts counts() const {
        if (!std::filesystem::exists(config.outboxFile)) return {};
        auto outbox = svarboks::sync::Outbox::open(config.outboxFile);
        REQUIRE(outbox.ok());
        return *outbox->counts();
    }
};

}  // namespace

TEST_CASE("simulate: a test config gets respondents at a person's pace, none held") {
    SimulateKiosk kiosk;
    kiosk.save();
    const auto run = cli({"simulate", "6", "--seed", "3", "--config", kiosk.configFile.string()});
    CHECK(run.code == 0);
    CHECK(run.out == "simulated 6 responses into " + kiosk.config.outboxFile + " (seed 3)\n");
    CHECK(run.err.empty());
    CHECK(kiosk.counts().pending == 6);
    CHECK(kiosk.counts().held == 0);  // six in a row would be a burst at a kiosk; simulate spaces them like people
}

TEST_CASE("simulate: an enrolled (production) config is refused with exit 2 and why, unless --into-production-outbox") {
    SimulateKiosk kiosk;
    kiosk.config.endpointUrl = "https://svarboks.kommune.dk";
    kiosk.config.deviceId = "dev-1";
    kiosk.config.deviceToken = "token-0123456789abcdef0123456789abcdef";
    kiosk.save();
    const auto refused = cli({"simulate", "2", "--config", kiosk.configFile.string()});
    CHECK(refused.code == 2);
    CHECK(refused.out.empty());
    CHECK(refused.err == "svarboks simulate: refusing to add simulated answers to " + kiosk.config.outboxFile + ": " +
                             kiosk.configFile.string() +
                             " is enrolled and sends its outbox to https://svarboks.kommune.dk, so these fake answers would be "
                             "counted in the unit's real reports.\nUse a separate config and outbox for testing (svarboks config "
                             "init --config test-kiosk.json --public-key KEY, with no endpoint and no enrolment). If you really "
                             "mean to add fake answers to this production outbox, add --into-production-outbox.\n");
    CHECK(kiosk.counts().pending == 0);
    CHECK_FALSE(std::filesystem::exists(kiosk.config.outboxFile));

    // Enrolled, it answers only the survey its endpoint gave it (survey-cache.json, as the uploader writes it).
    const auto notReady = cli({"simulate", "2", "--seed", "1", "--config", kiosk.configFile.string(), "--into-production-outbox"});
    CHECK(notReady.code == 1);
    CHECK(notReady.err.find("does not have its unit's survey from https://svarboks.kommune.dk yet") != std::string::npos);
    CHECK(kiosk.counts().pending == 0);
    std::ifstream definition(kDefault);
    const nlohmann::json cache = {{"format", "svarboks-survey-cache"}, {"version", 1}, {"etag", "\"d\""}, {"survey", nlohmann::json::parse(definition)}};
    std::ofstream(kiosk.dir / "survey-cache.json") << cache.dump();

    const auto forced = cli({"simulate", "2", "--seed", "1", "--config", kiosk.configFile.string(), "--into-production-outbox"});
    CHECK(forced.code == 0);
    CHECK(forced.err == "svarboks simulate: WARNING: adding 2 simulated responses to the production outbox " + kiosk.config.outboxFile +
                            ": they will be sent to https://svarboks.kommune.dk and counted in the unit's real reports, where "
                            "nothing tells them apart from real answers.\n");
    CHECK(forced.out == "simulated 2 responses into " + kiosk.config.outboxFile + " (seed 1)\n");
    CHECK(kiosk.counts().pending == 2);
}

TEST_CASE("simulate: a config set up for an endpoint but not enrolled yet is refused too (its outbox is sent once enrolled)") {
    SimulateKiosk kiosk;
    kiosk.config.endpointUrl = "https://svarboks.kommune.dk";
    kiosk.save();
    const auto refused = cli({"simulate", "1", "--config", kiosk.configFile.string()});
    CHECK(refused.code == 2);
    CHECK(refused.err.find(" is set up to send its outbox to https://svarboks.kommune.dk, so these fake answers") != std::string::npos);
    CHECK(kiosk.counts().pending == 0);
}

TEST_CASE("simulate: usage errors exit 2 and name the flag") {
    const auto run = cli({"simulate", "2", "--into-production"});
    CHECK(run.code == 2);
    CHECK(run.err == "svarboks: unexpected argument '--into-production'\n"
                     "Try 'svarboks simulate --help' for more information.\n");
    const auto many = cli({"simulate", "lots"});
    CHECK(many.code == 2);
    CHECK(many.err.starts_with("svarboks: N: Value lots not in range 0 to 999999999\n"));
    CHECK(cli({"simulate", "2", "--seed", "x"}).err.starts_with("svarboks: Could not convert: --seed = x\n"));
}

// ---- the command line itself ----

TEST_CASE("without a command: the kiosk runs with its --config and --windowed size") {
    std::optional<svarboks::client::KioskOptions> ran;
    const auto runKiosk = [&](const svarboks::client::KioskOptions& options) {
        ran = options;
        return 7;
    };
    std::istringstream in;
    std::ostringstream out, err;
    CHECK(svarboks::client::runCli({"--config", "kiosk.json", "--windowed", "800x600"}, in, out, err, runKiosk) == 7);
    REQUIRE(ran);
    CHECK(ran->config == "kiosk.json");
    CHECK(ran->width == 800);
    CHECK(ran->height == 600);
    ran.reset();
    CHECK(svarboks::client::runCli({}, in, out, err, runKiosk) == 7);
    REQUIRE(ran);
    CHECK(ran->config.empty());
    CHECK(ran->width == 0);

    ran.reset();
    for (const auto& args : {std::vector<std::string>{"--windowed", "100x100"}, {"--windowed", "800x600x2"},
                                                {"--windowed", "800x600", "sync"}, {"--config", "k.json", "status"}, {"--colour"}}) {
        std::ostringstream quiet, problems;
        CHECK(svarboks::client::runCli(args, in, quiet, problems, runKiosk) == 2);
        CHECK(problems.str().starts_with("svarboks: "));
    }
    CHECK_FALSE(ran);
    std::ostringstream quiet, problems;
    CHECK(svarboks::client::runCli({"--windowed", "100x100"}, in, quiet, problems, runKiosk) == 2);
    CHECK(problems.str().starts_with("svarboks: --windowed: expected a size such as 1280x800, got '100x100'\n"));
}

TEST_CASE("--help lists the commands and the kiosk's own options; a bad value names its option") {
    const auto help = cli({"--help"});
    CHECK(help.code == 0);
    CHECK(help.err.empty());
    for (const char* command : {"simulate", "survey", "config", "enroll", "sync", "status", "help"}) {
        CHECK_MESSAGE(help.out.find("\n  " + std::string(command) + " ") != std::string::npos, command);
    }
    CHECK(help.out.find("--windowed WxH") != std::string::npos);
    CHECK(cli({"help"}).out == help.out);
    const auto walk = cli({"survey", "walk", "--help"});
    CHECK(walk.out.find("Usage: svarboks survey walk [OPTIONS] FILE") != std::string::npos);
    CHECK(walk.out.find("--answers") != std::string::npos);

    const auto endpoint = cli({"enroll", "CODE", "--endpoint", "http://central.example"});
    CHECK(endpoint.code == 2);
    CHECK(endpoint.err.starts_with("svarboks: --endpoint: 'http://central.example': expected an https:// URL\n"));
    const auto ca = cli({"enroll", "CODE", "--endpoint", "https://central.example", "--ca", "/nonexistent/ca.pem"});
    CHECK(ca.code == 2);
    CHECK(ca.err.starts_with("svarboks: --ca: File does not exist: /nonexistent/ca.pem\n"));
    const auto request = cli({"enroll", "CODE", "--endpoint", "https://central.example", "--request-id", "1"});
    CHECK(request.err.starts_with("svarboks: --request-id: '1': expected a lower-case UUID v4\n"));
}
