// `svarboks config init`, `config set-pin` and `config check`, run in-process as a user would run them.
#include "svarboks/client/cli.hpp"
#include "svarboks/shared/config.hpp"
#include "svarboks/shared/sealing.hpp"
#include "test_helpers.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using nlohmann::json;
using svarboks::test::readFile;
using svarboks::test::TempDir;

namespace {

struct Run {
    int code;
    std::string out;
    std::string err;
};

Run cli(std::vector<std::string> args, const std::string& input = "") {
    std::istringstream in(input);
    std::ostringstream out, err;
    const int code = svarboks::client::runCli(args, in, out, err);
    return {code, out.str(), err.str()};
}

void writeFile(const fs::path& file, const std::string& text) { std::ofstream(file, std::ios::binary) << text; }

const fs::path kDefaultSurvey = fs::path(SVARBOKS_SOURCE_DIR) / "assets/surveys/digital-kompetence.json";

}  // namespace

TEST_CASE("config init writes a config with every key that config check accepts") {
    TempDir dir;
    const auto file = dir.path() / "new" / "folder" / "kiosk.json";
    const std::string key = svarboks::shared::publicKeyToBase64(svarboks::shared::generateKeyPair().publicKey);
    const auto init = cli({"config", "init", "--config", file.string(), "--unit", "Plejecenter Solbakken", "--public-key", key,
                           "--endpoint", "https://svarboks.example.dk"});
    CHECK(init.err.empty());
    REQUIRE(init.code == 0);
    CHECK(init.out.starts_with("Wrote " + file.string() + " (mode 0600):\n{\n  \"unit_name\": \"Plejecenter Solbakken\",\n"));
    CHECK(init.out.ends_with("Next: set the admin PIN with `svarboks config set-pin --config " + file.string() +
                             "`, then run `svarboks config check --config " + file.string() + "`.\n"));
    CHECK(init.out.find(readFile(file)) != std::string::npos);

    struct stat info {};
    REQUIRE(::stat(file.c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);
    const json written = json::parse(readFile(file));
    CHECK(written.size() == 23);
    CHECK(written["survey_file"] == fs::canonical(kDefaultSurvey).string());
    CHECK(written["outbox_file"] == "outbox.db");
    CHECK(written["central_public_key"] == key);
    CHECK(written["endpoint_url"] == "https://svarboks.example.dk");
    CHECK(written["idle_timeout_seconds"] == 90);
    CHECK(written["idle_warning_seconds"] == 20);
    CHECK(written["profile_timeout_seconds"] == 60);
    CHECK(written["sync_interval_seconds"] == 300);
    CHECK(written["default_locale"] == "da");
    CHECK(written["pin_hash"] == "");

    const auto check = cli({"config", "check", "--config", file.string()});
    CHECK(check.out == file.string() + ": ok\n");
    CHECK(check.code == 0);
}

TEST_CASE("config init refuses to overwrite without --force, and --force replaces") {
    TempDir dir;
    const auto file = dir.path() / "kiosk.json";
    writeFile(file, "{\"survey_file\": \"mine.json\"}");
    const auto refused = cli({"config", "init", "--config", file.string()});
    CHECK(refused.code == 1);
    CHECK(refused.out.empty());
    CHECK(refused.err == "svarboks: " + file.string() + " already exists; nothing was changed. Use --force to replace it "
                         "(its PIN and enrolment are lost), or `svarboks config check` to see whether it is usable.\n");
    CHECK(readFile(file) == "{\"survey_file\": \"mine.json\"}");

    const auto survey = dir.path() / "survey.json";
    fs::copy_file(kDefaultSurvey, survey);
    const auto forced = cli({"config", "init", "--config", file.string(), "--force", "--survey", survey.string()});
    CHECK(forced.code == 0);
    CHECK(json::parse(readFile(file))["survey_file"] == survey.string());
}

TEST_CASE("config init: a relative --survey is taken from the current folder; a bad value writes nothing") {
    TempDir dir;
    const auto file = dir.path() / "kiosk.json";
    const auto init = cli({"config", "init", "--config", file.string(), "--survey", "not-here.json"});
    CHECK(init.code == 0);
    CHECK(json::parse(readFile(file))["survey_file"] == (fs::current_path() / "not-here.json").string());
    CHECK(init.out.find("Warning: the survey " + (fs::current_path() / "not-here.json").string() +
                        " does not exist yet; the kiosk will not start until it does.\n") != std::string::npos);

    const auto other = dir.path() / "other.json";
    const auto bad = cli({"config", "init", "--config", other.string(), "--endpoint", "http://svarboks.example.dk"});
    CHECK(bad.code == 1);
    CHECK(bad.err == other.string() + ": endpoint_url: expected an https:// URL (http:// is allowed only for 127.0.0.1 and localhost, "
                                      "for testing), got \"http://svarboks.example.dk\"\n");
    CHECK_FALSE(fs::exists(other));
    const auto badKey = cli({"config", "init", "--config", other.string(), "--public-key", "abcd"});
    CHECK(badKey.code == 1);
    CHECK(badKey.err == other.string() + ": central_public_key: expected \"\" (not configured) or the base64 of the central endpoint's "
                                         "32-byte X25519 public key, got \"abcd\" (3 bytes, expected a 32-byte key)\n");
    CHECK_FALSE(fs::exists(other));
}

TEST_CASE("config set-pin reads the PIN from stdin and stores only its hash") {
    TempDir dir;
    const auto file = dir.path() / "kiosk.json";
    writeFile(file, "{\n  \"survey_file\": \"survey.json\",\n  \"unit_name\": \"Solbakken\"\n}\n");
    const auto set = cli({"config", "set-pin", "--config", file.string()}, "735190\n");
    CHECK(set.err.empty());
    CHECK(set.code == 0);
    CHECK(set.out == file.string() + ": admin PIN set (only its Argon2id hash is stored)\n");
    const std::string text = readFile(file);
    CHECK(text.find("735190") == std::string::npos);
    const json written = json::parse(text);
    CHECK(written["survey_file"] == "survey.json");  // the rest stays as written
    CHECK(written["unit_name"] == "Solbakken");
    const auto hash = written["pin_hash"].get<std::string>();
    CHECK(hash.starts_with("$argon2id$"));
    CHECK(svarboks::shared::verifyPin("735190", hash));
    CHECK_FALSE(svarboks::shared::verifyPin("735191", hash));

    // A Windows line ending and no final newline are both fine; a new PIN replaces the old one.
    CHECK(cli({"config", "set-pin", "--config", file.string()}, "258013\r\n").code == 0);
    CHECK(svarboks::shared::verifyPin("258013", json::parse(readFile(file))["pin_hash"].get<std::string>()));
    CHECK(cli({"config", "set-pin", "--config", file.string()}, "000000").code == 0);
    CHECK(svarboks::shared::verifyPin("000000", json::parse(readFile(file))["pin_hash"].get<std::string>()));
}

TEST_CASE("config set-pin refuses bad PINs and bad configs, changes nothing, and never echoes the PIN") {
    TempDir dir;
    const auto file = dir.path() / "kiosk.json";
    const std::string original = "{\"survey_file\": \"survey.json\"}";
    writeFile(file, original);
    const auto shortPin = cli({"config", "set-pin", "--config", file.string()}, "2468\n");
    CHECK(shortPin.code == 1);
    CHECK(shortPin.err == "svarboks: PIN: expected 6 to 8 digits (0-9), got 4 characters; nothing was changed\n");
    const auto five = cli({"config", "set-pin", "--config", file.string()}, "24681\n");
    CHECK(five.code == 1);
    CHECK(five.err == "svarboks: PIN: expected 6 to 8 digits (0-9), got 5 characters; nothing was changed\n");
    const auto letters = cli({"config", "set-pin", "--config", file.string()}, "12ab56\n");
    CHECK(letters.code == 1);
    CHECK(letters.err == "svarboks: PIN: expected 6 to 8 digits (0-9), got a character that is not a digit; nothing was changed\n");
    CHECK(letters.err.find("12ab56") == std::string::npos);
    const auto empty = cli({"config", "set-pin", "--config", file.string()}, "");
    CHECK(empty.code == 1);
    CHECK(empty.err == "svarboks: no PIN on standard input; expected one line with 6 to 8 digits\n");
    CHECK(readFile(file) == original);

    writeFile(file, "{\"survey_file\": \"survey.json\", \"idle_timeout_seconds\": 1}");
    const auto broken = cli({"config", "set-pin", "--config", file.string()}, "123456\n");
    CHECK(broken.code == 1);
    CHECK(broken.err == file.string() + ": idle_timeout_seconds: expected a whole number of seconds from 30 to 3600, got 1\n");

    const auto missing = cli({"config", "set-pin", "--config", (dir.path() / "none.json").string()}, "123456\n");
    CHECK(missing.code == 1);
    CHECK(missing.err == (dir.path() / "none.json").string() + ": cannot read the config: the file does not exist; `svarboks config init` writes one\n");
}

TEST_CASE("config check reports each problem with exit 1") {
    TempDir dir;
    const auto file = dir.path() / "kiosk.json";
    writeFile(file, "{\"survey_file\": \"" + kDefaultSurvey.string() + "\", \"idle_timout_seconds\": 90, \"default_locale\": \"DK\"}");
    const auto bad = cli({"config", "check", "--config", file.string()});
    CHECK(bad.code == 1);
    CHECK(bad.out == file.string() + ": idle_timout_seconds: unknown key; did you mean \"idle_timeout_seconds\"?\n" + file.string() +
                         ": default_locale: expected a language code such as \"da\" or \"en\", got \"DK\"\n");

    // The survey it names must load, in a language it offers.
    writeFile(file, "{\"survey_file\": \"missing.json\"}");
    const auto noSurvey = cli({"config", "check", "--config", file.string()});
    CHECK(noSurvey.code == 1);
    CHECK(noSurvey.out == (dir.path() / "missing.json").string() + ": cannot read the file: it does not exist\n");
    writeFile(file, "{\"survey_file\": \"" + kDefaultSurvey.string() + "\", \"default_locale\": \"fr\"}");
    const auto french = cli({"config", "check", "--config", file.string()});
    CHECK(french.code == 1);
    CHECK(french.out.ends_with(file.string() + ": default_locale: expected a language the survey offers (da, en), got \"fr\"\n"));

    // Warnings do not fail the check.
    ::chmod(file.c_str(), 0644);
    writeFile(file, "{\"survey_file\": \"" + kDefaultSurvey.string() + "\", \"device_token\": \"t0ken\"}");
    const auto warned = cli({"config", "check", "--config", file.string()});
    CHECK(warned.code == 0);
    CHECK(warned.out == file.string() + ": warning: central_public_key is empty; the kiosk shows its setup screen until the device is "
                                        "enrolled or the key is set\n" +
                            file.string() + ": warning: holds secrets but others may read it; run chmod 600 " + file.string() + "\n" +
                            file.string() + ": ok\n");
    CHECK(warned.out.find("t0ken") == std::string::npos);

    const auto missing = cli({"config", "check", "--config", (dir.path() / "none.json").string()});
    CHECK(missing.code == 1);
    CHECK(missing.out == (dir.path() / "none.json").string() + ": cannot read the config: the file does not exist; `svarboks config init` writes one\n");
}

TEST_CASE("config check accepts the example config in assets/examples") {
    const auto example = (fs::path(SVARBOKS_SOURCE_DIR) / "assets/examples/kiosk.json").string();
    const auto check = cli({"config", "check", "--config", example});
    CHECK(check.out == example + ": ok\n");
    CHECK(check.code == 0);
}

TEST_CASE("config commands: without --config they use SVARBOKS_CONFIG; usage errors exit 2") {
    TempDir dir;
    const auto file = dir.path() / "env.json";
    const char* before = std::getenv("SVARBOKS_CONFIG");
    const std::string saved = before ? before : "";
    ::setenv("SVARBOKS_CONFIG", file.c_str(), 1);
    CHECK(cli({"config", "init"}).code == 0);
    CHECK(fs::exists(file));
    CHECK(cli({"config", "check"}).out.ends_with(file.string() + ": ok\n"));
    CHECK(cli({"config", "set-pin"}, "999999\n").code == 0);
    if (before) ::setenv("SVARBOKS_CONFIG", saved.c_str(), 1);
    else ::unsetenv("SVARBOKS_CONFIG");

    const auto noCommand = cli({"config"});
    CHECK(noCommand.code == 2);
    CHECK(noCommand.err == "svarboks: expected a command: init, set-pin, check\nTry 'svarboks config --help' for more information.\n");
    CHECK(cli({"config", "frobnicate"}).err.starts_with("svarboks: unknown command 'frobnicate'; expected one of: init, set-pin, check\n"));
    CHECK(cli({"config", "check", "--config"}).err.starts_with("svarboks: --config: 1 required FILE missing\n"));
    CHECK(cli({"config", "check", "kiosk.json"}).err.starts_with("svarboks: unexpected argument 'kiosk.json'\n"));
    CHECK(cli({"config", "init", "--unit"}).err.starts_with("svarboks: --unit: 1 required NAME missing\n"));
    CHECK(cli({"config", "init", "--colour", "x"}).err.starts_with("svarboks: unexpected arguments '--colour' 'x'\n"));
    CHECK(cli({"config", "init", "kiosk.json"}).code == 2);
    CHECK(cli({"config", "set-pin", "--help"}).out.find("Usage: svarboks config set-pin [OPTIONS]") != std::string::npos);
}
