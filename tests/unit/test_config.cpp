// The kiosk config: every key's good and bad values, file handling, atomic saves, and the admin PIN hash.
#include "svarboks/shared/config.hpp"
#include "svarboks/shared/files.hpp"
#include "svarboks/shared/utc_time.hpp"
#include "svarboks/shared/sealing.hpp"
#include "test_helpers.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <sodium.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using nlohmann::json;
using svarboks::shared::KioskConfig;
using svarboks::test::filesIn;
using svarboks::test::readFile;
using svarboks::test::TempDir;

namespace {

void writeFile(const fs::path& file, const std::string& text) { std::ofstream(file, std::ios::binary) << text; }

// A config that is valid except for what `extra` sets; parsed as "kiosk.json" in the current folder.
svarboks::shared::Result<KioskConfig> parseWith(const json& extra, const fs::path& file = "kiosk.json") {
    json doc = {{"survey_file", "survey.json"}};
    if (!extra.is_null()) doc.update(extra);
    return svarboks::shared::parseConfig(doc.dump(), file);
}

std::string errorWith(const json& extra, const fs::path& file = "kiosk.json") {
    const auto result = parseWith(extra, file);
    REQUIRE_FALSE(result.ok());
    return result.error().message;
}

KioskConfig mustParse(const json& extra, const fs::path& file = "kiosk.json") {
    auto result = parseWith(extra, file);
    if (!result) FAIL(result.error().message);
    return *result;
}

std::string base64Of(std::size_t bytes, char fill = 'k') { return svarboks::shared::toBase64(std::string(bytes, fill)); }

std::string realKey() { return svarboks::shared::publicKeyToBase64(svarboks::shared::generateKeyPair().publicKey); }

mode_t modeOf(const fs::path& file) {
    struct stat info {};
    REQUIRE(::stat(file.c_str(), &info) == 0);
    return info.st_mode & 07777;
}

const std::string kIntegerMessage = "expected a whole number of seconds from ";

}  // namespace

TEST_CASE("config: a minimal config takes every default; relative paths are resolved against the config's folder") {
    const auto config = mustParse({}, "/etc/svarboks/kiosk.json");
    CHECK(config.surveyFile == "/etc/svarboks/survey.json");
    CHECK(config.outboxFile == "/etc/svarboks/outbox.db");
    CHECK(config.unitName.empty());
    CHECK(config.endpointUrl.empty());
    CHECK(config.centralPublicKey.empty());
    CHECK(config.caFile.empty());
    CHECK(config.pinnedPublicKey.empty());
    CHECK(config.deviceId.empty());
    CHECK(config.deviceToken.empty());
    CHECK(config.pinHash.empty());
    CHECK(config.proxy.empty());
    CHECK(config.defaultLocale == "da");
    CHECK(config.idleTimeoutSeconds == 90);
    CHECK(config.idleWarningSeconds == 20);
    CHECK(config.profileTimeoutSeconds == 60);
    CHECK(config.syncIntervalSeconds == 300);
    CHECK(config.holdMinMsPerAnswer == 1500);
    CHECK(config.holdMinSeconds == 10);
    CHECK(config.holdMaxPerWindow == 3);
    CHECK(config.holdWindowMinutes == 10);

    const auto nested = mustParse({{"survey_file", "../surveys/s.json"}, {"outbox_file", "data/out.db"}}, "/srv/kiosk/conf/kiosk.json");
    CHECK(nested.surveyFile == "/srv/kiosk/surveys/s.json");
    CHECK(nested.outboxFile == "/srv/kiosk/conf/data/out.db");
    const auto absolute = mustParse({{"survey_file", "/usr/share/svarboks/s.json"}, {"outbox_file", "/var/lib/svarboks/o.db"}},
                                    "/etc/svarboks/kiosk.json");
    CHECK(absolute.surveyFile == "/usr/share/svarboks/s.json");
    CHECK(absolute.outboxFile == "/var/lib/svarboks/o.db");
    // A config named without a folder lives in the current one.
    CHECK(mustParse({}).surveyFile == (fs::current_path() / "survey.json").string());
}

TEST_CASE("config: survey_file is required and must be a non-empty path") {
    CHECK(svarboks::shared::parseConfig("{}", "kiosk.json").error().message ==
          "kiosk.json: survey_file: expected the path of the survey to show, got nothing (the key is missing)");
    CHECK(errorWith({{"survey_file", ""}}) == "kiosk.json: survey_file: expected the path of the survey to show (a non-empty string), got \"\"");
    CHECK(errorWith({{"survey_file", 7}}) == "kiosk.json: survey_file: expected the path of the survey to show (a non-empty string), got 7");
    CHECK(errorWith({{"survey_file", "~/s.json"}}) ==
          "kiosk.json: survey_file: expected an absolute path or one relative to the config's folder (~ is not expanded), got \"~/s.json\"");
    CHECK(errorWith({{"survey_file", "a\nb.json"}}) ==
          "kiosk.json: survey_file: expected the path of the survey to show (a non-empty string) without control characters, got \"a\\nb.json\"");
    // Whether the survey exists is the kiosk's business when it loads it, not the config's.
    CHECK(mustParse({{"survey_file", "/nonexistent/s.json"}}).surveyFile == "/nonexistent/s.json");
}

TEST_CASE("config: outbox_file") {
    CHECK(mustParse({{"outbox_file", "o.db"}}, "/k/kiosk.json").outboxFile == "/k/o.db");
    CHECK(errorWith({{"outbox_file", ""}}) == "kiosk.json: outbox_file: expected the path of the outbox database, such as \"outbox.db\", got \"\"");
    CHECK(errorWith({{"outbox_file", nullptr}}) == "kiosk.json: outbox_file: expected the path of the outbox database, such as \"outbox.db\", got null");
}

TEST_CASE("config: unit_name") {
    CHECK(mustParse({{"unit_name", "Plejecenter Søhøj"}}).unitName == "Plejecenter Søhøj");
    CHECK(mustParse({{"unit_name", std::string(200, 'u')}}).unitName.size() == 200);
    const std::string expected = "kiosk.json: unit_name: expected a name of at most 200 bytes without control characters, such as "
                                 "\"Plejecenter Solbakken\", got ";
    CHECK(errorWith({{"unit_name", 5}}) == expected + "5");
    CHECK(errorWith({{"unit_name", "a\tb"}}) == expected + "\"a\\tb\"");
    CHECK(errorWith({{"unit_name", std::string(201, 'u')}}) == expected + "\"" + std::string(56, 'u') + "...");
}

TEST_CASE("config: default_locale") {
    for (const auto* good : {"da", "en", "en-GB", "sma"}) CHECK(mustParse({{"default_locale", good}}).defaultLocale == good);
    const std::string expected = "kiosk.json: default_locale: expected a language code such as \"da\" or \"en\", got ";
    CHECK(errorWith({{"default_locale", "Danish"}}) == expected + "\"Danish\"");
    CHECK(errorWith({{"default_locale", "DA"}}) == expected + "\"DA\"");
    CHECK(errorWith({{"default_locale", ""}}) == expected + "\"\"");
    CHECK(errorWith({{"default_locale", "en-"}}) == expected + "\"en-\"");
    CHECK(errorWith({{"default_locale", json::array({"da"})}}) == expected + "[\"da\"]");
}

TEST_CASE("config: the timers are whole seconds within their ranges") {
    struct Timer {
        const char* key;
        int KioskConfig::*field;
        int min;
        int max;
    };
    for (const Timer timer : {Timer{"idle_timeout_seconds", &KioskConfig::idleTimeoutSeconds, 30, 3600},
                              Timer{"idle_warning_seconds", &KioskConfig::idleWarningSeconds, 20, 120},
                              Timer{"profile_timeout_seconds", &KioskConfig::profileTimeoutSeconds, 10, 600},
                              Timer{"sync_interval_seconds", &KioskConfig::syncIntervalSeconds, 30, 86400}}) {
        CAPTURE(timer.key);
        CHECK(mustParse({{timer.key, timer.min}}).*timer.field == timer.min);
        CHECK(mustParse({{timer.key, timer.max}}).*timer.field == timer.max);
        const std::string expected = std::string("kiosk.json: ") + timer.key + ": " + kIntegerMessage + std::to_string(timer.min) +
                                     " to " + std::to_string(timer.max) + ", got ";
        CHECK(errorWith({{timer.key, timer.min - 1}}) == expected + std::to_string(timer.min - 1));
        CHECK(errorWith({{timer.key, timer.max + 1}}) == expected + std::to_string(timer.max + 1));
        CHECK(errorWith({{timer.key, -1}}) == expected + "-1");
        CHECK(errorWith({{timer.key, "fast"}}) == expected + "\"fast\"");
        CHECK(errorWith({{timer.key, std::to_string(timer.min)}}) == expected + "\"" + std::to_string(timer.min) + "\"");
        CHECK(errorWith({{timer.key, 45.5}}) == expected + "45.5");
        CHECK(errorWith({{timer.key, true}}) == expected + "true");
        CHECK(errorWith({{timer.key, nullptr}}) == expected + "null");
    }
    // Numbers beyond every integer type are refused, not wrapped.
    const std::string huge = "{\"survey_file\": \"s.json\", \"idle_timeout_seconds\": 18446744073709551617}";
    CHECK(svarboks::shared::parseConfig(huge, "kiosk.json").error().message ==
          "kiosk.json: idle_timeout_seconds: " + kIntegerMessage + "30 to 3600, got 1.8446744073709552e+19");
    const std::string wraps = "{\"survey_file\": \"s.json\", \"idle_timeout_seconds\": 18446744073709551615}";
    CHECK(svarboks::shared::parseConfig(wraps, "kiosk.json").error().message ==
          "kiosk.json: idle_timeout_seconds: " + kIntegerMessage + "30 to 3600, got 18446744073709551615");
    CHECK(errorWith({{"idle_timeout_seconds", -4294967206LL}}) ==
          "kiosk.json: idle_timeout_seconds: " + kIntegerMessage + "30 to 3600, got -4294967206");
}

TEST_CASE("config: the hold thresholds are whole numbers within their ranges, each error naming its unit") {
    struct Limit {
        const char* key;
        int KioskConfig::*field;
        int min;
        int max;
        const char* words;  ///< what the message says between "a whole number of " and ", got"
    };
    for (const Limit limit : {Limit{"hold_min_ms_per_answer", &KioskConfig::holdMinMsPerAnswer, 0, 10000,
                                    "milliseconds from 0 to 10000 (0 turns this check off)"},
                              Limit{"hold_min_seconds", &KioskConfig::holdMinSeconds, 0, 600, "seconds from 0 to 600 (0 turns this check off)"},
                              Limit{"hold_max_per_window", &KioskConfig::holdMaxPerWindow, 1, 1000, "responses from 1 to 1000"},
                              Limit{"hold_window_minutes", &KioskConfig::holdWindowMinutes, 1, 1440, "minutes from 1 to 1440"}}) {
        CAPTURE(limit.key);
        CHECK(mustParse({{limit.key, limit.min}}).*limit.field == limit.min);
        CHECK(mustParse({{limit.key, limit.max}}).*limit.field == limit.max);
        const std::string expected = std::string("kiosk.json: ") + limit.key + ": expected a whole number of " + limit.words + ", got ";
        CHECK(errorWith({{limit.key, limit.min - 1}}) == expected + std::to_string(limit.min - 1));
        CHECK(errorWith({{limit.key, limit.max + 1}}) == expected + std::to_string(limit.max + 1));
        CHECK(errorWith({{limit.key, 1.5}}) == expected + "1.5");
        CHECK(errorWith({{limit.key, "3"}}) == expected + "\"3\"");
    }
    CHECK(errorWith({{"hold_max_per_windows", 3}}) == "kiosk.json: hold_max_per_windows: unknown key; did you mean \"hold_max_per_window\"?");
}

TEST_CASE("config: endpoint_url is https, or http on this machine only") {
    for (const auto* good : {"", "https://svarboks.example.dk", "https://svarboks.example.dk/", "https://svarboks.example.dk:8443/kommune",
                             "https://10.0.0.5", "https://[2001:db8::1]:443/x", "http://127.0.0.1:8080", "http://localhost/x",
                             "http://[::1]:9000"}) {
        CAPTURE(good);
        CHECK(mustParse({{"endpoint_url", good}}).endpointUrl == good);
    }
    CHECK(errorWith({{"endpoint_url", "http://svarboks.example.dk"}}) ==
          "kiosk.json: endpoint_url: expected an https:// URL (http:// is allowed only for 127.0.0.1 and localhost, for testing), "
          "got \"http://svarboks.example.dk\"");
    const std::string expected =
        "kiosk.json: endpoint_url: expected \"\" (not configured) or an https:// URL such as \"https://svarboks.example.dk\" "
        "(no query or fragment), got ";
    for (const auto* bad : {"ftp://x.dk", "svarboks.example.dk", "HTTPS://x.dk", "https://", "https://exa mple.dk", "https://x.dk:0",
                            "https://x.dk:65536", "https://x.dk:", "https://x.dk:80a", "https://x.dk/a?b=1", "https://x.dk/#top",
                            "https://user:pw@x.dk", "https://-x.dk", "https://x..dk", "https://[::1", "https://[zz]/",
                            "https://x.dk/a b"}) {
        CAPTURE(bad);
        CHECK(errorWith({{"endpoint_url", bad}}) == expected + json(bad).dump());
    }
    CHECK(errorWith({{"endpoint_url", 443}}) == expected + "443");
}

TEST_CASE("config: central_public_key is base64 of a usable 32-byte key") {
    const std::string key = realKey();
    CHECK(mustParse({{"central_public_key", key}}).centralPublicKey == key);
    CHECK(mustParse({{"central_public_key", ""}}).centralPublicKey.empty());
    const std::string expected =
        "kiosk.json: central_public_key: expected \"\" (not configured) or the base64 of the central endpoint's 32-byte X25519 public key, got ";
    const std::string short16 = base64Of(16);
    CHECK(errorWith({{"central_public_key", short16}}) == expected + "\"" + short16 + "\" (16 bytes, expected a 32-byte key)");
    CHECK(errorWith({{"central_public_key", "abc"}}) ==
          expected + "\"abc\" (not valid base64: length 3 is not a multiple of 4 (missing '=' padding?))");
    std::string urlSafe = key;
    urlSafe[0] = '-';
    CHECK(errorWith({{"central_public_key", urlSafe}}).starts_with(expected + json(urlSafe).dump() +
                                                                   " (not valid base64: unexpected '-' at character 1 (this looks like base64url"));
    const std::string zeros = base64Of(32, '\0');
    CHECK(errorWith({{"central_public_key", zeros}}) ==
          expected + "\"" + zeros + "\" (not a usable X25519 public key (a low-order point such as all zeros))");
    CHECK(errorWith({{"central_public_key", 32}}) == expected + "32");
}

TEST_CASE("config: ca_file must exist and be readable; relative to the config's folder") {
    TempDir dir;
    writeFile(dir.path() / "ca.pem", "-----BEGIN CERTIFICATE-----\n");
    fs::create_directory(dir.path() / "certs");
    const auto file = dir.path() / "kiosk.json";
    CHECK(mustParse({{"ca_file", "ca.pem"}}, file).caFile == (dir.path() / "ca.pem").string());
    CHECK(mustParse({{"ca_file", (dir.path() / "ca.pem").string()}}, file).caFile == (dir.path() / "ca.pem").string());
    CHECK(mustParse({{"ca_file", ""}}, file).caFile.empty());
    const std::string expected = file.string() + ": ca_file: expected \"\" (the system's CAs) or a readable CA bundle file (PEM), got ";
    CHECK(errorWith({{"ca_file", "missing.pem"}}, file) == expected + "\"missing.pem\" (" + (dir.path() / "missing.pem").string() + ": it does not exist)");
    CHECK(errorWith({{"ca_file", "certs"}}, file) == expected + "\"certs\" (" + (dir.path() / "certs").string() + ": it is a directory)");
    CHECK(errorWith({{"ca_file", false}}, file) == expected + "false");
}

TEST_CASE("config: pinned_public_key is one or more sha256// pins") {
    const std::string pin = "sha256//" + base64Of(32);
    const std::string two = pin + ";sha256//" + base64Of(32, 'x');
    CHECK(mustParse({{"pinned_public_key", pin}}).pinnedPublicKey == pin);
    CHECK(mustParse({{"pinned_public_key", two}}).pinnedPublicKey == two);
    CHECK(mustParse({{"pinned_public_key", ""}}).pinnedPublicKey.empty());
    const std::string expected = "kiosk.json: pinned_public_key: expected \"\" (no pin) or \"sha256//\" and the base64 of a SHA-256 hash, "
                                 "several separated by \";\", got ";
    for (const auto& bad : {std::string("sha256//abc"), base64Of(32), "sha1//" + base64Of(20), "sha256//" + base64Of(16), pin + ";",
                            pin + "; " + pin, std::string("sha256//")}) {
        CAPTURE(bad);
        CHECK(errorWith({{"pinned_public_key", bad}}) == expected + (json(bad).dump().size() > 60 ? json(bad).dump().substr(0, 57) + "..." : json(bad).dump()));
    }
    CHECK(errorWith({{"pinned_public_key", json::object()}}) == expected + "{}");
}

TEST_CASE("config: the send delay is whole minutes from 0 to 1440, 20 to 60 by default, its minimum at most its maximum") {
    const auto defaults = mustParse({});
    CHECK(defaults.sendDelayMinMinutes == 20);
    CHECK(defaults.sendDelayMaxMinutes == 60);
    const auto atOnce = mustParse({{"send_delay_min_minutes", 0}, {"send_delay_max_minutes", 0}});
    CHECK(atOnce.sendDelayMinMinutes == 0);
    CHECK(atOnce.sendDelayMaxMinutes == 0);
    const auto fixed = mustParse({{"send_delay_min_minutes", 30}, {"send_delay_max_minutes", 30}});
    CHECK(fixed.sendDelayMaxMinutes == 30);
    CHECK(errorWith({{"send_delay_max_minutes", 1441}}) ==
          "kiosk.json: send_delay_max_minutes: expected a whole number of minutes from 0 to 1440 (0 with send_delay_min_minutes 0 "
          "sends at once), got 1441");
    CHECK(errorWith({{"send_delay_min_minutes", -1}}) ==
          "kiosk.json: send_delay_min_minutes: expected a whole number of minutes from 0 to 1440 (0 with send_delay_max_minutes 0 "
          "sends at once), got -1");
    CHECK(errorWith({{"send_delay_min_minutes", 90}}) == "kiosk.json: send_delay_max_minutes: expected at least send_delay_min_minutes (90), got 60");
}

TEST_CASE("config: pin_hash is empty or an Argon2id hash, and a bad value is never shown") {
    const auto hash = svarboks::shared::hashPin("246813");
    REQUIRE(hash.ok());
    CHECK(mustParse({{"pin_hash", *hash}}).pinHash == *hash);
    CHECK(mustParse({{"pin_hash", ""}}).pinHash.empty());
    const std::string expected = "kiosk.json: pin_hash: expected \"\" (admin mode off) or an Argon2id hash made by `svarboks config set-pin`, got ";
    CHECK(errorWith({{"pin_hash", "246813"}}) == expected + "a string that is not one (not shown: it may be a PIN)");
    CHECK(errorWith({{"pin_hash", 246813}}) == expected + "a number (not shown: it may be a PIN)");
    CHECK(errorWith({{"pin_hash", "$argon2id$garbage"}}) == expected + "a string that is not one (not shown: it may be a PIN)");
    CHECK(errorWith({{"pin_hash", "$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG"}}) ==
          expected + "a string that is not one (not shown: it may be a PIN)");
    std::string truncated = *hash;
    truncated.resize(truncated.size() - 10);
    CHECK(errorWith({{"pin_hash", truncated}}) == expected + "a string that is not one (not shown: it may be a PIN)");
}

TEST_CASE("config: device_id, device_token and proxy") {
    const std::string token = svarboks::shared::toBase64Url(svarboks::shared::randomBytes(32));
    const auto config = mustParse({{"device_id", "dev-7f3a"}, {"device_token", token}, {"proxy", "http://proxy.example.dk:3128"}});
    CHECK(config.deviceId == "dev-7f3a");
    CHECK(config.deviceToken == token);
    CHECK(config.proxy == "http://proxy.example.dk:3128");
    CHECK(mustParse({{"proxy", "socks5h://localhost:1080"}}).proxy == "socks5h://localhost:1080");

    const std::string idExpected = "kiosk.json: device_id: expected \"\" (not enrolled) or the device id from enrolment "
                                   "(printable ASCII without spaces, at most 128 characters), got ";
    CHECK(errorWith({{"device_id", "dev 7"}}) == idExpected + "\"dev 7\"");
    CHECK(errorWith({{"device_id", std::string(129, 'd')}}) == idExpected + "\"" + std::string(56, 'd') + "...");
    CHECK(errorWith({{"device_id", 7}}) == idExpected + "7");

    const std::string tokenExpected = "kiosk.json: device_token: expected \"\" (not enrolled) or the device token from enrolment "
                                      "(printable ASCII without spaces, at most 1024 characters), got ";
    const auto badToken = errorWith({{"device_token", token + "\r\nX-Injected: 1"}});
    CHECK(badToken == tokenExpected + "a string that is not one (not shown: it is a secret)");
    CHECK(badToken.find(token) == std::string::npos);
    CHECK(errorWith({{"device_token", 12345}}) == tokenExpected + "a number (not shown: it is a secret)");

    const std::string proxyExpected = "kiosk.json: proxy: expected \"\" (use https_proxy from the environment) or a proxy URL such as "
                                      "\"http://proxy.example.dk:3128\", got ";
    CHECK(errorWith({{"proxy", "http://proxy example"}}) == proxyExpected + "\"http://proxy example\"");
    CHECK(errorWith({{"proxy", false}}) == proxyExpected + "false");
}

TEST_CASE("config: unknown keys are errors, with a suggestion when one is close") {
    CHECK(errorWith({{"idle_timout_seconds", 90}}) == "kiosk.json: idle_timout_seconds: unknown key; did you mean \"idle_timeout_seconds\"?");
    CHECK(errorWith({{"Unit_Name", "x"}}) == "kiosk.json: Unit_Name: unknown key; did you mean \"unit_name\"?");
    CHECK(errorWith({{"surveyfile", "x"}}) == "kiosk.json: surveyfile: unknown key; did you mean \"survey_file\"?");
    CHECK(errorWith({{"idleTimeoutSeconds", 90}}) == "kiosk.json: idleTimeoutSeconds: unknown key; did you mean \"idle_timeout_seconds\"?");
    CHECK(errorWith({{"colour", "blue"}}) == "kiosk.json: colour: unknown key; docs/configuration.md lists the keys a kiosk config may have");
    CHECK(errorWith({{"idle_timeout", 90}}) == "kiosk.json: idle_timeout: unknown key; docs/configuration.md lists the keys a kiosk config may have");
    CHECK(errorWith({{"bad\x01key", 1}}) == "kiosk.json: bad\\x01key: unknown key; docs/configuration.md lists the keys a kiosk config may have");
}

TEST_CASE("config: every problem is reported, one line each, in file order") {
    const std::string text = R"({"survey_file": "s.json", "idle_timeout_seconds": 5, "langauge": "da", "idle_warning_seconds": 500})";
    CHECK(svarboks::shared::parseConfig(text, "k.json").error().message ==
          "k.json: idle_timeout_seconds: expected a whole number of seconds from 30 to 3600, got 5\n"
          "k.json: langauge: unknown key; docs/configuration.md lists the keys a kiosk config may have\n"
          "k.json: idle_warning_seconds: expected a whole number of seconds from 20 to 120, got 500");
}

TEST_CASE("config: a file full of problems gets the first 20 and a count") {
    json doc = {{"survey_file", "s.json"}};
    for (int i = 0; i < 4000; ++i) doc["key" + std::to_string(i)] = i;
    const std::string text = doc.dump();
    REQUIRE(text.size() < 65536);
    const auto message = svarboks::shared::parseConfig(text, "k.json").error().message;
    CHECK(std::count(message.begin(), message.end(), '\n') == 20);
    CHECK(message.ends_with("\nk.json: and 3980 more problems"));
}

TEST_CASE("config: broken documents get a clear error") {
    using svarboks::shared::parseConfig;
    CHECK(parseConfig("", "k.json").error().message == "k.json: the file is empty; expected a kiosk config (a JSON object); `svarboks config init` writes one");
    CHECK(parseConfig(" \n\t", "k.json").error().message == "k.json: the file is empty; expected a kiosk config (a JSON object); `svarboks config init` writes one");
    CHECK(parseConfig("[1]", "k.json").error().message ==
          "k.json: expected a kiosk config (a JSON object such as {\"survey_file\": \"survey.json\"}), got an array");
    CHECK(parseConfig("\"s.json\"", "k.json").error().message ==
          "k.json: expected a kiosk config (a JSON object such as {\"survey_file\": \"survey.json\"}), got a string");
    CHECK(parseConfig("{\n  \"survey_file\": \"s.json\",\n}\n", "k.json").error().message ==
          "k.json: not valid JSON at line 3, column 1: syntax error while parsing object key - unexpected '}'; expected string literal");
    CHECK(parseConfig("{\"survey_file\": \"s.json\"} x", "k.json").error().message ==
          "k.json: not valid JSON at line 1, column 27: syntax error while parsing value - invalid literal; last read: '\"s.json\"} x'; "
          "expected end of input");
    CHECK(parseConfig("{\"survey_file\": \"s.json\", \"survey_file\": \"t.json\"}", "k.json").error().message ==
          "k.json: survey_file: appears more than once; keep one");
    CHECK(parseConfig("{\"survey_file\": \"s\xff.json\"}", "k.json").error().message.starts_with("k.json: not valid JSON at line 1, column 19: "));
    CHECK(parseConfig("{\"survey_file\": [[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}", "k.json").error().message ==
          "k.json: JSON nested deeper than 16 levels at line 1, column 32");
    CHECK(parseConfig(std::string(40000, '[') + std::string(40000, ']'), "k.json").error().message ==
          "k.json: the file is 80000 bytes; a kiosk config may be at most 65536 bytes");
    CHECK(parseConfig("{\"survey_file\": \"s.json\", \"x\": [[[1]]]}", "k.json").error().message ==
          "k.json: x: unknown key; docs/configuration.md lists the keys a kiosk config may have");
}

TEST_CASE("config: loadConfig reads a file and reports missing files, folders and oversized files") {
    TempDir dir;
    const auto file = dir.path() / "kiosk.json";
    CHECK(svarboks::shared::loadConfig(file).error().message ==
          file.string() + ": cannot read the config: the file does not exist; `svarboks config init` writes one");
    CHECK(svarboks::shared::loadConfig(dir.path()).error().message == dir.path().string() + ": is a directory; expected a kiosk config file (JSON)");
    writeFile(file, "{\"survey_file\": \"s.json\", \"unit_name\": \"" + std::string(70000, 'x') + "\"}");
    CHECK(svarboks::shared::loadConfig(file).error().message == file.string() + ": the file is 70042 bytes; a kiosk config may be at most 65536 bytes");
    writeFile(file, "{\"survey_file\": \"s.json\", \"unit_name\": \"Solbakken\"}");
    const auto loaded = svarboks::shared::loadConfig(file);
    REQUIRE(loaded.ok());
    CHECK(loaded->unitName == "Solbakken");
    CHECK(loaded->surveyFile == (dir.path() / "s.json").string());
    if (::geteuid() != 0) {  // root reads anything
        ::chmod(file.c_str(), 0);
        CHECK(svarboks::shared::loadConfig(file).error().message == file.string() + ": cannot read the config: Permission denied");
    }
}

TEST_CASE("config: defaultConfigPath follows SVARBOKS_CONFIG, then root, then XDG_CONFIG_HOME and HOME") {
    const auto saved = [](const char* name) -> std::optional<std::string> {
        const char* value = std::getenv(name);
        return value ? std::optional<std::string>(value) : std::nullopt;
    };
    const auto restore = [](const char* name, const std::optional<std::string>& value) {
        if (value) ::setenv(name, value->c_str(), 1);
        else ::unsetenv(name);
    };
    const auto explicitPath = saved("SVARBOKS_CONFIG");
    const auto xdg = saved("XDG_CONFIG_HOME");
    const auto home = saved("HOME");
    ::setenv("SVARBOKS_CONFIG", "/opt/kiosk/k.json", 1);
    CHECK(svarboks::shared::defaultConfigPath() == "/opt/kiosk/k.json");
    ::unsetenv("SVARBOKS_CONFIG");
    ::setenv("XDG_CONFIG_HOME", "/xdg", 1);
    ::setenv("HOME", "/home/kiosk", 1);
    if (::geteuid() == 0) {
        CHECK(svarboks::shared::defaultConfigPath() == "/etc/svarboks/kiosk.json");
    } else {
        CHECK(svarboks::shared::defaultConfigPath() == "/xdg/svarboks/kiosk.json");
        ::setenv("XDG_CONFIG_HOME", "relative", 1);  // the XDG spec says to ignore relative ones
        CHECK(svarboks::shared::defaultConfigPath() == "/home/kiosk/.config/svarboks/kiosk.json");
    }
    restore("SVARBOKS_CONFIG", explicitPath);
    restore("XDG_CONFIG_HOME", xdg);
    restore("HOME", home);
}

TEST_CASE("config: toJson writes every key, and parseConfig reads it back unchanged") {
    KioskConfig config;
    config.unitName = "Hjemmeplejen Nord";
    config.endpointUrl = "https://svarboks.example.dk/kommune";
    config.centralPublicKey = realKey();
    config.pinnedPublicKey = "sha256//" + base64Of(32);
    config.deviceId = "dev-1";
    config.deviceToken = svarboks::shared::toBase64Url(svarboks::shared::randomBytes(32));
    config.pinHash = *svarboks::shared::hashPin("135790");
    config.idleTimeoutSeconds = 120;
    config.idleWarningSeconds = 30;
    config.profileTimeoutSeconds = 45;
    config.defaultLocale = "en";
    config.surveyFile = "/usr/share/svarboks/surveys/s.json";
    config.outboxFile = "/var/lib/svarboks/outbox.db";
    config.syncIntervalSeconds = 600;
    config.proxy = "http://proxy:3128";
    config.holdMinMsPerAnswer = 2000;
    config.holdMinSeconds = 0;
    config.holdMaxPerWindow = 5;
    config.holdWindowMinutes = 30;
    config.sendDelayMinMinutes = 5;
    config.sendDelayMaxMinutes = 90;
    config.readAloud = false;

    const json doc = svarboks::shared::toJson(config);
    CHECK(doc.size() == 23);
    for (const auto* key : {"read_aloud", "unit_name", "endpoint_url", "central_public_key", "ca_file", "pinned_public_key", "device_id", "device_token",
                            "pin_hash", "idle_timeout_seconds", "idle_warning_seconds", "profile_timeout_seconds", "default_locale",
                            "survey_file", "outbox_file", "sync_interval_seconds", "proxy", "hold_min_ms_per_answer", "hold_min_seconds",
                            "hold_max_per_window", "hold_window_minutes", "send_delay_min_minutes", "send_delay_max_minutes"}) {
        CHECK_MESSAGE(doc.contains(key), key);
    }
    CHECK(doc["idle_timeout_seconds"] == 120);
    const auto back = svarboks::shared::parseConfig(doc.dump(), "/etc/svarboks/kiosk.json");
    REQUIRE(back.ok());
    CHECK(*back == config);

    // What parseConfig returns has absolute paths, so it round-trips wherever the config file is read from.
    const auto parsed = mustParse({{"outbox_file", "o.db"}}, "/srv/kiosk/kiosk.json");
    CHECK(*svarboks::shared::parseConfig(svarboks::shared::toJson(parsed).dump(), "/elsewhere/kiosk.json") == parsed);
}

TEST_CASE("config: read_aloud is true by default, false turns Read aloud off, anything else is an error naming the key") {
    CHECK(mustParse({}).readAloud);
    CHECK_FALSE(mustParse({{"read_aloud", false}}).readAloud);
    const auto bad = svarboks::shared::parseConfig(R"({"survey_file": "s.json", "read_aloud": "no"})", "kiosk.json");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message ==
          "kiosk.json: read_aloud: expected true (the screens offer Read aloud) or false (a kiosk without sound), got \"no\"");
}

TEST_CASE("config: saveConfig writes mode 0600 atomically, creates the folder, and refuses an invalid config") {
    TempDir dir;
    const auto file = dir.path() / "etc" / "svarboks" / "kiosk.json";
    KioskConfig config;
    config.surveyFile = "/usr/share/svarboks/s.json";
    config.deviceToken = "secret-token";
    const mode_t oldMask = ::umask(0);  // the file must be 0600 whatever the umask
    const auto saved = svarboks::shared::saveConfig(config, file);
    ::umask(oldMask);
    REQUIRE_MESSAGE(saved.ok(), saved.message());
    CHECK(modeOf(file) == 0600);
    const auto loaded = svarboks::shared::loadConfig(file);
    REQUIRE(loaded.ok());
    CHECK(loaded->deviceToken == "secret-token");
    CHECK(loaded->outboxFile == (file.parent_path() / "outbox.db").string());  // relative, as written
    CHECK(json::parse(readFile(file)).size() == 23);
    CHECK(readFile(file).ends_with("}\n"));

    // Replacement is a rename: a reader that opened the old file still reads the whole old file, and no
    // temporary file is left behind.
    std::ifstream reader(file, std::ios::binary);
    const auto oldText = readFile(file);
    config.unitName = "Solbakken";
    REQUIRE(svarboks::shared::saveConfig(config, file).ok());
    std::ostringstream seen;
    seen << reader.rdbuf();
    CHECK(seen.str() == oldText);
    CHECK(svarboks::shared::loadConfig(file)->unitName == "Solbakken");
    CHECK(modeOf(file) == 0600);
    CHECK(filesIn(file.parent_path()) == std::vector<std::string>{"kiosk.json"});

    // An invalid config is refused before anything is written.
    KioskConfig bad = config;
    bad.idleTimeoutSeconds = 5;
    const auto refused = svarboks::shared::saveConfig(bad, file);
    CHECK(refused.message() == file.string() + ": idle_timeout_seconds: expected a whole number of seconds from 30 to 3600, got 5");
    CHECK(svarboks::shared::loadConfig(file)->unitName == "Solbakken");

    // When the rename fails (here: a folder is in the way) the temporary file is removed.
    const auto blocked = dir.path() / "blocked.json";
    fs::create_directories(blocked / "child");
    const auto failed = svarboks::shared::saveConfig(config, blocked);
    CHECK(failed.message() == blocked.string() + ": cannot replace it: Is a directory");
    CHECK(filesIn(dir.path()) == std::vector<std::string>{"blocked.json", "etc"});
}

TEST_CASE("config: updateConfig changes only the given keys and keeps the rest as written") {
    TempDir dir;
    const auto file = dir.path() / "kiosk.json";
    const std::string original = "{\n  \"survey_file\": \"surveys/s.json\",\n  \"unit_name\": \"Solbakken\",\n  \"outbox_file\": \"o.db\"\n}\n";
    writeFile(file, original);
    const auto hash = *svarboks::shared::hashPin("123456");
    const auto updated = svarboks::shared::updateConfig(file, {{"pin_hash", hash}});
    REQUIRE_MESSAGE(updated.ok(), updated.error().message);
    CHECK(updated->pinHash == hash);
    CHECK(modeOf(file) == 0600);
    const json written = json::parse(readFile(file));
    CHECK(written == json{{"survey_file", "surveys/s.json"}, {"unit_name", "Solbakken"}, {"outbox_file", "o.db"}, {"pin_hash", hash}});
    CHECK(readFile(file).starts_with("{\n  \"survey_file\""));  // the file's own key order

    CHECK(svarboks::shared::updateConfig(file, {{"idle_timeout_seconds", 1}}).error().message ==
          file.string() + ": idle_timeout_seconds: expected a whole number of seconds from 30 to 3600, got 1");
    CHECK(svarboks::shared::updateConfig(file, {{"pin", "1234"}}).error().message == file.string() + ": pin: unknown key");
    CHECK(json::parse(readFile(file))["pin_hash"] == hash);

    writeFile(file, "{\"survey_file\": \"s.json\", \"colour\": 1}");
    CHECK(svarboks::shared::updateConfig(file, {{"pin_hash", hash}}).error().message ==
          file.string() + ": colour: unknown key; docs/configuration.md lists the keys a kiosk config may have");
    CHECK(readFile(file) == "{\"survey_file\": \"s.json\", \"colour\": 1}");
}

TEST_CASE("pin: hashPin makes an Argon2id hash that verifyPin accepts for the right PIN only") {
    const auto hash = svarboks::shared::hashPin("471108");
    REQUIRE(hash.ok());
    CHECK(hash->starts_with("$argon2id$v=19$m=65536,t=2,p=1$"));
    CHECK(hash->find("471108") == std::string::npos);
    CHECK(svarboks::shared::verifyPin("471108", *hash));
    CHECK_FALSE(svarboks::shared::verifyPin("471109", *hash));
    CHECK_FALSE(svarboks::shared::verifyPin("4711080", *hash));
    CHECK_FALSE(svarboks::shared::verifyPin("", *hash));
    CHECK(*svarboks::shared::hashPin("471108") != *hash);  // salted
    CHECK(svarboks::shared::verifyPin("12345678", *svarboks::shared::hashPin("12345678")));
}

TEST_CASE("pin: verifyPin refuses malformed hashes") {
    const auto hash = *svarboks::shared::hashPin("000000");
    CHECK_FALSE(svarboks::shared::verifyPin("000000", ""));
    CHECK_FALSE(svarboks::shared::verifyPin("000000", "0000"));
    CHECK_FALSE(svarboks::shared::verifyPin("000000", "$argon2id$"));
    CHECK_FALSE(svarboks::shared::verifyPin("000000", hash.substr(0, hash.size() - 5)));
    CHECK_FALSE(svarboks::shared::verifyPin("000000", "$argon2i" + hash.substr(9)));
    std::string flipped = hash;
    flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
    CHECK_FALSE(svarboks::shared::verifyPin("000000", flipped));
}

TEST_CASE("pin: a new PIN is 6 to 8 ASCII digits, and the error never repeats the PIN") {
    using svarboks::shared::hashPin;
    CHECK(hashPin("123").error().message == "PIN: expected 6 to 8 digits (0-9), got 3 characters");
    CHECK(hashPin("2468").error().message == "PIN: expected 6 to 8 digits (0-9), got 4 characters");
    CHECK(hashPin("24681").error().message == "PIN: expected 6 to 8 digits (0-9), got 5 characters");
    CHECK(hashPin("").error().message == "PIN: expected 6 to 8 digits (0-9), got 0 characters");
    CHECK(hashPin("123456789").error().message == "PIN: expected 6 to 8 digits (0-9), got 9 characters");
    CHECK(hashPin("12a456").error().message == "PIN: expected 6 to 8 digits (0-9), got a character that is not a digit");
    CHECK(hashPin("12 456").error().message == "PIN: expected 6 to 8 digits (0-9), got a character that is not a digit");
    CHECK(hashPin("\xd9\xa1\xd9\xa2\xd9\xa3").error().message == "PIN: expected 6 to 8 digits (0-9), got a character that is not a digit");
    CHECK_FALSE(svarboks::shared::verifyPin("12a456", *hashPin("123456")));
}

TEST_CASE("pin: a 4-digit PIN hashed before 6 digits were required still opens its kiosk") {
    // What hashPin made then: Argon2id with the interactive limits over 4 digits.
    char hash[crypto_pwhash_STRBYTES];
    REQUIRE(crypto_pwhash_str_alg(hash, "2468", 4, crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE,
                                  crypto_pwhash_ALG_ARGON2ID13) == 0);
    CHECK(svarboks::shared::verifyPin("2468", hash));
    CHECK_FALSE(svarboks::shared::verifyPin("2469", hash));
    CHECK_FALSE(svarboks::shared::verifyPin("246", hash));
}

TEST_CASE("config: docs/configuration.md documents every key, and the example config is valid") {
    const std::string docs = readFile(fs::path(SVARBOKS_SOURCE_DIR) / "docs/configuration.md");
    REQUIRE_FALSE(docs.empty());
    KioskConfig config;
    config.surveyFile = "s.json";
    const json keys = svarboks::shared::toJson(config);
    for (const auto& item : keys.items()) {
        const std::string& key = item.key();  // not a structured binding: clang 14 cannot capture one in doctest's lambda
        CHECK_MESSAGE(docs.find("| `" + key + "` |") != std::string::npos, key << " is missing from the key tables");
    }
    const auto example = fs::path(SVARBOKS_SOURCE_DIR) / "assets/examples/kiosk.json";
    const auto loaded = svarboks::shared::loadConfig(example);
    REQUIRE_MESSAGE(loaded.ok(), loaded.error().message);
    CHECK(json::parse(readFile(example)).size() == 23);
    CHECK(fs::exists(loaded->surveyFile));
}

TEST_CASE("files: writeNewFile creates with its mode from the start, and never replaces a file") {
    TempDir dir;
    const fs::path key = dir.path() / "secret.key";
    REQUIRE(svarboks::shared::writeNewFile(key, "first\n", 0600).ok());
    struct stat info {};
    REQUIRE(::stat(key.c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);
    CHECK(readFile(key) == "first\n");

    const auto again = svarboks::shared::writeNewFile(key, "second\n", 0600);
    REQUIRE_FALSE(again.ok());
    CHECK(again.message() == key.string() + ": cannot create: File exists");
    CHECK(readFile(key) == "first\n");

    const auto nowhere = svarboks::shared::writeNewFile(dir.path() / "missing" / "x", "", 0644);
    REQUIRE_FALSE(nowhere.ok());
    CHECK(nowhere.message().find("cannot create: No such file or directory") != std::string::npos);
}

TEST_CASE("files: an AtomicFile puts exactly its bytes in place, mode 0600 whatever the umask, only on commit") {
    using svarboks::shared::AtomicFile;
    TempDir dir;
    const auto file = dir.write("answers.jsonl", "the old file\n");
    ::chmod(file.c_str(), 0644);  // the new file does not take the old one's mode
    const mode_t oldMask = ::umask(0);
    auto out = AtomicFile::create(file);
    ::umask(oldMask);
    REQUIRE_MESSAGE(out.ok(), out.error().message);
    const std::string bytes = std::string("first line\n") + '\0' + "\xff second\n";
    REQUIRE(out->write(bytes.substr(0, 5)).ok());
    REQUIRE(out->write(bytes.substr(5)).ok());
    CHECK(readFile(file) == "the old file\n");  // readers see the old file until the commit
    CHECK_FALSE(out->committed());

    const auto committed = out->commit();
    REQUIRE_MESSAGE(committed.ok(), committed.message());
    CHECK(out->committed());
    CHECK(readFile(file) == bytes);
    CHECK(modeOf(file) == 0600);
    CHECK(filesIn(dir.path()) == std::vector<std::string>{"answers.jsonl"});
}

TEST_CASE("files: an AtomicFile that is not committed leaves the old file as it was and no temp file behind") {
    using svarboks::shared::AtomicFile;
    TempDir dir;
    const auto file = dir.write("answers.jsonl", "the old file\n");
    SUBCASE("dropped half way") {
        auto out = AtomicFile::create(file);
        REQUIRE(out.ok());
        REQUIRE(out->write("half a new fi").ok());
        CHECK(filesIn(dir.path()).size() == 2);  // the temp file, beside the old one
        AtomicFile moved = std::move(*out);  // the temp file goes once, with its last owner
    }
    SUBCASE("the commit fails: a folder is in the way") {
        const auto blocked = dir.path() / "blocked";
        fs::create_directories(blocked / "child");
        {
            auto out = AtomicFile::create(blocked);
            REQUIRE(out.ok());
            REQUIRE(out->write("bytes").ok());
            const auto committed = out->commit();
            CHECK(committed.message() == blocked.string() + ": cannot replace it: Is a directory");
            CHECK_FALSE(out->committed());
        }
        fs::remove_all(blocked);
    }
    CHECK(readFile(file) == "the old file\n");
    CHECK(filesIn(dir.path()) == std::vector<std::string>{"answers.jsonl"});
}

TEST_CASE("files: an AtomicFile in a folder that does not exist says which file and folder") {
    TempDir dir;
    const auto file = dir.path() / "usb" / "answers.jsonl";
    const auto out = svarboks::shared::AtomicFile::create(file);
    REQUIRE_FALSE(out.ok());
    CHECK(out.error().message == file.string() + ": cannot create a file in " + (dir.path() / "usb").string() + ": No such file or directory");
    CHECK(filesIn(dir.path()).empty());
}

TEST_CASE("time: a moment as UTC ISO-8601 to the second, and only that form read back") {
    using svarboks::shared::formatUtcSecond;
    using svarboks::shared::parseUtcSecond;
    const auto moment = std::chrono::sys_days{std::chrono::year{2026} / 11 / 23} + std::chrono::hours(14) + std::chrono::minutes(5) +
                        std::chrono::milliseconds(999);
    CHECK(formatUtcSecond(moment) == "2026-11-23T14:05:00Z");
    const auto back = parseUtcSecond("2026-11-23T14:05:00Z");
    REQUIRE(back);
    CHECK(*back == std::chrono::floor<std::chrono::seconds>(moment));
    for (const char* bad : {"", "2026-11-23", "2026-11-23T14:05:00", "2026-11-23T14:05:00+01:00", "2026-11-23T14:05:00Z trailing", "soon"}) {
        CAPTURE(bad);
        CHECK_FALSE(parseUtcSecond(bad));
    }
}
