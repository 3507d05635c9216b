#include "svarboks/shared/config.hpp"

#include "svarboks/shared/files.hpp"
#include "svarboks/shared/sealing.hpp"

#include <sodium.h>

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <optional>
#include <set>
#include <sstream>
#include <vector>

#include "text_rules.hpp"

namespace svarboks::shared {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using nlohmann::ordered_json;

constexpr std::size_t kMaxConfigBytes = 64 * 1024;
// The config is one flat object; anything nested is an error, so a low limit keeps every later
// recursion (dump, destruction) shallow whatever the input.
constexpr std::size_t kMaxDepth = 16;
constexpr std::size_t kMaxErrors = 20;  // a file of garbage keys gets a readable answer, not thousands of lines
constexpr std::size_t kMaxNameBytes = 200;
constexpr std::size_t kMaxIdBytes = 128;
constexpr std::size_t kMaxTokenBytes = 1024;
constexpr std::size_t kMaxUrlBytes = 2048;
constexpr std::string_view kArgon2idPrefix = "$argon2id$";
constexpr std::string_view kPinShape = "6 to 8 digits (0-9)";
// A new PIN has at least 6 digits: a 4-digit one falls to an offline search of the Argon2id hash in minutes.
constexpr std::size_t kMinPinDigits = 6;
// Kiosks set up before 6 digits were required keep a 4- or 5-digit PIN until set-pin runs again; a hash
// does not tell the length, so verifyPin still takes those.
constexpr std::size_t kMinLegacyPinDigits = 4;
constexpr std::size_t kMaxPinDigits = 8;

// The keys in the order `config init` writes them (kiosk, admin, storage, sync, enrolment).
constexpr std::array<std::string_view, 23> kKeys = {
    "unit_name",          "survey_file",         "default_locale",    "idle_timeout_seconds",
    "idle_warning_seconds", "profile_timeout_seconds", "read_aloud",  "hold_min_ms_per_answer", "hold_min_seconds",
    "hold_max_per_window", "hold_window_minutes", "pin_hash",         "outbox_file",
    "endpoint_url",       "central_public_key",  "ca_file",           "pinned_public_key",
    "proxy",              "sync_interval_seconds", "send_delay_min_minutes", "send_delay_max_minutes",
    "device_id",          "device_token",
};


// A short rendering of a JSON value for messages.
std::string shown(const ordered_json& value) {
    std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
    if (text.size() > 60) text = text.substr(0, 57) + "...";
    return text;
}

std::string typeName(const ordered_json& value) {
    switch (value.type()) {
        case json::value_t::null: return "null";
        case json::value_t::boolean: return "a boolean";
        case json::value_t::string: return "a string";
        case json::value_t::array: return "an array";
        case json::value_t::object: return "an object";
        default: return "a number";
    }
}




bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isLower(char c) { return c >= 'a' && c <= 'z'; }
bool isAlpha(char c) { return isLower(c) || (c >= 'A' && c <= 'Z'); }
bool isVisibleAscii(char c) { return c > 0x20 && c < 0x7F; }  // no space, no control, no non-ASCII

bool visibleAscii(std::string_view text, std::size_t maxBytes) {
    return text.size() <= maxBytes && std::all_of(text.begin(), text.end(), isVisibleAscii);
}

bool noControlCharacters(std::string_view text) {
    return std::none_of(text.begin(), text.end(), [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return byte < 0x20 || byte == 0x7F;
    });
}

std::size_t editDistance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

// "idleTimeoutSeconds", "Idle-Timeout-Seconds" and "idle_timeout_seconds" all become "idletimeoutseconds".
std::string squashed(std::string_view key) {
    std::string out;
    for (const char c : key) {
        if (c == '_' || c == '-') continue;
        out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
    return out;
}

std::optional<std::string_view> suggestion(std::string_view unknown) {
    std::optional<std::string_view> best;
    std::size_t bestDistance = 3;
    for (const auto key : kKeys) {
        const std::size_t distance = squashed(key) == squashed(unknown) ? 0 : editDistance(unknown, key);
        if (distance < bestDistance) {
            best = key;
            bestDistance = distance;
        }
    }
    return best;
}


bool validHostName(std::string_view host) {
    if (host.empty() || host.size() > 253) return false;
    std::size_t start = 0;
    while (start <= host.size()) {
        const auto dot = std::min(host.find('.', start), host.size());
        const auto label = host.substr(start, dot - start);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
        if (!std::all_of(label.begin(), label.end(), [](char c) { return isAlpha(c) || isDigit(c) || c == '-'; })) return false;
        start = dot + 1;
    }
    return true;
}

enum class UrlProblem { None, Malformed, PlainHttp };

UrlProblem checkEndpoint(std::string_view url) {
    if (url.size() > kMaxUrlBytes) return UrlProblem::Malformed;
    bool plain = false;
    std::string_view rest;
    if (url.starts_with("https://")) {
        rest = url.substr(8);
    } else if (url.starts_with("http://")) {
        rest = url.substr(7);
        plain = true;
    } else {
        return UrlProblem::Malformed;
    }
    const auto slash = std::min(rest.find('/'), rest.size());
    const auto authority = rest.substr(0, slash);
    const auto path = rest.substr(slash);
    std::string_view host = authority;
    std::optional<std::string_view> port;
    if (authority.starts_with('[')) {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return UrlProblem::Malformed;
        host = authority.substr(0, close + 1);
        const auto inside = host.substr(1, host.size() - 2);
        if (inside.empty() || !std::all_of(inside.begin(), inside.end(), [](char c) {
                return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
            })) {
            return UrlProblem::Malformed;
        }
        const auto after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after[0] != ':') return UrlProblem::Malformed;
            port = after.substr(1);
        }
    } else {
        const auto colon = authority.find(':');
        host = authority.substr(0, colon);
        if (colon != std::string_view::npos) port = authority.substr(colon + 1);
        if (!validHostName(host)) return UrlProblem::Malformed;
    }
    if (port) {
        if (port->empty() || port->size() > 5 || !std::all_of(port->begin(), port->end(), isDigit)) return UrlProblem::Malformed;
        const int number = std::stoi(std::string(*port));
        if (number < 1 || number > 65535) return UrlProblem::Malformed;
    }
    if (!std::all_of(path.begin(), path.end(), [](char c) { return isVisibleAscii(c) && c != '?' && c != '#'; })) {
        return UrlProblem::Malformed;
    }
    if (plain && host != "127.0.0.1" && host != "localhost" && host != "[::1]") return UrlProblem::PlainHttp;
    return UrlProblem::None;
}

bool validPins(std::string_view pins) {
    if (pins.empty()) return false;
    std::size_t start = 0;
    while (start <= pins.size()) {
        const auto semicolon = std::min(pins.find(';', start), pins.size());
        const auto pin = pins.substr(start, semicolon - start);
        if (!pin.starts_with("sha256//")) return false;
        const auto hash = fromBase64(pin.substr(8));
        if (!hash || hash->size() != crypto_hash_sha256_BYTES) return false;
        start = semicolon + 1;
    }
    return true;
}

bool validPinHash(const std::string& hash) {
    // needs_rehash decodes the string: -1 means it is not a well-formed hash at all.
    return hash.starts_with(kArgon2idPrefix) && hash.size() < crypto_pwhash_STRBYTES &&
           crypto_pwhash_str_needs_rehash(hash.c_str(), crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE) != -1;
}

bool validPinText(std::string_view pin, std::size_t minDigits) {
    return pin.size() >= minDigits && pin.size() <= kMaxPinDigits && std::all_of(pin.begin(), pin.end(), isDigit);
}

fs::path configFolder(const fs::path& file) {
    std::error_code ec;
    const fs::path absolute = fs::absolute(file, ec);
    return (ec ? file : absolute).parent_path();
}

class Parser {
public:
    Parser(std::string_view bytes, const fs::path& file) : m_bytes(bytes), m_file(file.string()), m_folder(configFolder(file)) {}

    Result<KioskConfig> run() {
        if (auto doc = parse()) {
            for (const auto& [key, value] : doc->items()) readKey(key, value);
            if (!doc->contains("survey_file")) {
                error("survey_file", "expected the path of the survey to show, got nothing (the key is missing)");
            }
            if (!doc->contains("outbox_file")) m_config.outboxFile = resolved(m_config.outboxFile);
            if (m_config.sendDelayMinMinutes > m_config.sendDelayMaxMinutes) {
                error("send_delay_max_minutes", "expected at least send_delay_min_minutes (" + std::to_string(m_config.sendDelayMinMinutes) +
                                                    "), got " + std::to_string(m_config.sendDelayMaxMinutes));
            }
        }
        if (m_errors.empty()) return m_config;
        std::string message;
        for (std::size_t i = 0; i < std::min(m_errors.size(), kMaxErrors); ++i) message += (i ? "\n" : "") + m_errors[i];
        if (m_errors.size() > kMaxErrors) {
            message += "\n" + m_file + ": and " + std::to_string(m_errors.size() - kMaxErrors) + " more problems";
        }
        return Error{std::move(message)};
    }

private:
    void error(std::string_view key, const std::string& message) { m_errors.push_back(m_file + ": " + printable(key) + ": " + message); }
    void fileError(const std::string& message) { m_errors.push_back(m_file + ": " + message); }

    std::optional<ordered_json> parse() {
        if (std::all_of(m_bytes.begin(), m_bytes.end(), [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; })) {
            fileError("the file is empty; expected a kiosk config (a JSON object); `svarboks config init` writes one");
            return std::nullopt;
        }
        if (m_bytes.size() > kMaxConfigBytes) {
            fileError("the file is " + std::to_string(m_bytes.size()) + " bytes; a kiosk config may be at most " +
                      std::to_string(kMaxConfigBytes) + " bytes");
            return std::nullopt;
        }
        if (const auto at = jsonTooDeepAt(m_bytes, kMaxDepth)) {
            fileError("JSON nested deeper than " + std::to_string(kMaxDepth) + " levels at " + lineColumn(m_bytes, *at));
            return std::nullopt;
        }
        std::set<std::string, std::less<>> seen;
        std::vector<std::string> duplicates;
        const auto noteKeys = [&](int depth, ordered_json::parse_event_t event, ordered_json& parsed) {
            if (depth == 1 && event == ordered_json::parse_event_t::key) {
                auto key = parsed.get<std::string>();
                if (!seen.insert(key).second) duplicates.push_back(std::move(key));
            }
            return true;
        };
        try {
            ordered_json doc = ordered_json::parse(m_bytes, noteKeys);
            if (!doc.is_object()) {
                fileError("expected a kiosk config (a JSON object such as {\"survey_file\": \"survey.json\"}), got " + typeName(doc));
                return std::nullopt;
            }
            for (const auto& key : duplicates) error(key, "appears more than once; keep one");
            if (!duplicates.empty()) return std::nullopt;
            return doc;
        } catch (const json::parse_error& e) {
            fileError("not valid JSON at " + lineColumn(m_bytes, e.byte > 0 ? e.byte - 1 : 0) + ": " + printable(withoutPrefix(e.what())));
        } catch (const json::exception& e) {
            fileError("not valid JSON: " + printable(withoutPrefix(e.what())));
        }
        return std::nullopt;
    }

    void readKey(const std::string& key, const ordered_json& value) {
        if (key == "unit_name") {
            text(key, value, &KioskConfig::unitName, "a name of at most 200 bytes without control characters, such as \"Plejecenter Solbakken\"",
                 [](const std::string& v) { return v.size() <= kMaxNameBytes && noControlCharacters(v); });
        } else if (key == "survey_file") {
            path(key, value, &KioskConfig::surveyFile, "the path of the survey to show (a non-empty string)", false);
        } else if (key == "default_locale") {
            text(key, value, &KioskConfig::defaultLocale, "a language code such as \"da\" or \"en\"", validLocale);
        } else if (key == "idle_timeout_seconds") {
            integer(key, value, &KioskConfig::idleTimeoutSeconds, 30, 3600);
        } else if (key == "idle_warning_seconds") {
            integer(key, value, &KioskConfig::idleWarningSeconds, 20, 120);
        } else if (key == "profile_timeout_seconds") {
            integer(key, value, &KioskConfig::profileTimeoutSeconds, 10, 600);
        } else if (key == "read_aloud") {
            if (value.is_boolean()) m_config.readAloud = value.get<bool>();
            else error(key, "expected true (the screens offer Read aloud) or false (a kiosk without sound), got " + shown(value));
        } else if (key == "hold_min_ms_per_answer") {
            integer(key, value, &KioskConfig::holdMinMsPerAnswer, 0, 10000, "milliseconds", " (0 turns this check off)");
        } else if (key == "hold_min_seconds") {
            integer(key, value, &KioskConfig::holdMinSeconds, 0, 600, "seconds", " (0 turns this check off)");
        } else if (key == "hold_max_per_window") {
            integer(key, value, &KioskConfig::holdMaxPerWindow, 1, 1000, "responses");
        } else if (key == "hold_window_minutes") {
            integer(key, value, &KioskConfig::holdWindowMinutes, 1, 1440, "minutes");
        } else if (key == "sync_interval_seconds") {
            integer(key, value, &KioskConfig::syncIntervalSeconds, 30, 86400);
        } else if (key == "send_delay_min_minutes") {
            integer(key, value, &KioskConfig::sendDelayMinMinutes, 0, 1440, "minutes", " (0 with send_delay_max_minutes 0 sends at once)");
        } else if (key == "send_delay_max_minutes") {
            integer(key, value, &KioskConfig::sendDelayMaxMinutes, 0, 1440, "minutes", " (0 with send_delay_min_minutes 0 sends at once)");
        } else if (key == "pin_hash") {
            secret(key, value, &KioskConfig::pinHash,
                   "\"\" (admin mode off) or an Argon2id hash made by `svarboks config set-pin`", "it may be a PIN",
                   [](const std::string& v) { return v.empty() || validPinHash(v); });
        } else if (key == "outbox_file") {
            path(key, value, &KioskConfig::outboxFile, "the path of the outbox database, such as \"outbox.db\"", false);
        } else if (key == "endpoint_url") {
            endpoint(key, value);
        } else if (key == "central_public_key") {
            publicKey(key, value);
        } else if (key == "ca_file") {
            caFile(key, value);
        } else if (key == "pinned_public_key") {
            text(key, value, &KioskConfig::pinnedPublicKey,
                 "\"\" (no pin) or \"sha256//\" and the base64 of a SHA-256 hash, several separated by \";\"",
                 [](const std::string& v) { return v.empty() || validPins(v); });
        } else if (key == "proxy") {
            text(key, value, &KioskConfig::proxy,
                 "\"\" (use https_proxy from the environment) or a proxy URL such as \"http://proxy.example.dk:3128\"",
                 [](const std::string& v) { return visibleAscii(v, kMaxUrlBytes); });
        } else if (key == "device_id") {
            text(key, value, &KioskConfig::deviceId,
                 "\"\" (not enrolled) or the device id from enrolment (printable ASCII without spaces, at most 128 characters)",
                 [](const std::string& v) { return visibleAscii(v, kMaxIdBytes); });
        } else if (key == "device_token") {
            secret(key, value, &KioskConfig::deviceToken,
                   "\"\" (not enrolled) or the device token from enrolment (printable ASCII without spaces, at most 1024 characters)",
                   "it is a secret", [](const std::string& v) { return visibleAscii(v, kMaxTokenBytes); });
        } else if (const auto similar = suggestion(key)) {
            error(key, "unknown key; did you mean \"" + std::string(*similar) + "\"?");
        } else {
            error(key, "unknown key; docs/configuration.md lists the keys a kiosk config may have");
        }
    }

    void text(std::string_view key, const ordered_json& value, std::string KioskConfig::*field, std::string_view expected,
              const std::function<bool(const std::string&)>& valid) {
        if (value.is_string() && valid(value.get_ref<const std::string&>())) {
            m_config.*field = value.get<std::string>();
        } else {
            error(key, "expected " + std::string(expected) + ", got " + shown(value));
        }
    }

    // Like text(), but a bad value is never repeated in the message: it may be the secret itself.
    void secret(std::string_view key, const ordered_json& value, std::string KioskConfig::*field, std::string_view expected,
                std::string_view why, const std::function<bool(const std::string&)>& valid) {
        if (value.is_string() && valid(value.get_ref<const std::string&>())) {
            m_config.*field = value.get<std::string>();
        } else {
            error(key, "expected " + std::string(expected) + ", got " + (value.is_string() ? "a string that is not one" : typeName(value)) +
                           " (not shown: " + std::string(why) + ")");
        }
    }

    void integer(std::string_view key, const ordered_json& value, int KioskConfig::*field, int min, int max,
                 std::string_view unit = "seconds", std::string_view note = "") {
        // nlohmann stores non-negative integers as unsigned and negative ones as signed; floats are refused.
        bool inRange = false;
        if (value.is_number_unsigned()) {
            const auto number = value.get<std::uint64_t>();
            inRange = number >= static_cast<std::uint64_t>(min) && number <= static_cast<std::uint64_t>(max);
        } else if (value.is_number_integer()) {
            const auto number = value.get<std::int64_t>();
            inRange = number >= min && number <= max;
        }
        if (inRange) {
            m_config.*field = value.get<int>();
        } else {
            error(key, "expected a whole number of " + std::string(unit) + " from " + std::to_string(min) + " to " + std::to_string(max) +
                           std::string(note) + ", got " + shown(value));
        }
    }

    std::string resolved(const std::string& path) const {
        const fs::path given(path);
        return (given.is_absolute() ? given : m_folder / given).lexically_normal().string();
    }

    // Relative paths are taken from the config's folder, so a kiosk folder can be moved or copied whole.
    void path(std::string_view key, const ordered_json& value, std::string KioskConfig::*field, std::string_view expected, bool allowEmpty) {
        if (!value.is_string() || (!allowEmpty && value.get_ref<const std::string&>().empty())) {
            error(key, "expected " + std::string(expected) + ", got " + shown(value));
            return;
        }
        const auto& given = value.get_ref<const std::string&>();
        if (given.starts_with("~/")) {
            error(key, "expected an absolute path or one relative to the config's folder (~ is not expanded), got " + shown(value));
        } else if (!noControlCharacters(given)) {
            error(key, "expected " + std::string(expected) + " without control characters, got " + shown(value));
        } else {
            m_config.*field = given.empty() ? given : resolved(given);
        }
    }

    void endpoint(std::string_view key, const ordered_json& value) {
        const auto problem = value.is_string() ? checkEndpoint(value.get_ref<const std::string&>()) : UrlProblem::Malformed;
        if (value.is_string() && value.get_ref<const std::string&>().empty()) {
            m_config.endpointUrl.clear();
        } else if (problem == UrlProblem::None) {
            m_config.endpointUrl = value.get<std::string>();
        } else if (problem == UrlProblem::PlainHttp) {
            error(key, "expected an https:// URL (http:// is allowed only for 127.0.0.1 and localhost, for testing), got " + shown(value));
        } else {
            error(key, "expected \"\" (not configured) or an https:// URL such as \"https://svarboks.example.dk\" (no query or fragment), got " +
                           shown(value));
        }
    }

    // The same check the uploader's sealing uses, so that a key accepted here can be sealed to.
    void publicKey(std::string_view key, const ordered_json& value) {
        std::string got = shown(value);
        if (value.is_string()) {
            const auto& text = value.get_ref<const std::string&>();
            const auto parsed = parsePublicKey(text);
            if (text.empty() || parsed) {
                m_config.centralPublicKey = text;
                return;
            }
            got += " (" + parsed.error().message + ")";
        }
        error(key, "expected \"\" (not configured) or the base64 of the central endpoint's 32-byte X25519 public key, got " + got);
    }

    void caFile(std::string_view key, const ordered_json& value) {
        const std::string_view expected = "\"\" (the system's CAs) or a readable CA bundle file (PEM)";
        path(key, value, &KioskConfig::caFile, expected, true);
        if (m_config.caFile.empty()) return;
        std::error_code ec;
        const auto status = fs::status(m_config.caFile, ec);
        std::string problem;
        if (ec || !fs::exists(status)) problem = "it does not exist";
        else if (fs::is_directory(status)) problem = "it is a directory";
        else if (!fs::is_regular_file(status)) problem = "it is not a regular file";
        else if (!std::ifstream(m_config.caFile, std::ios::binary)) problem = "it cannot be read";
        if (problem.empty()) return;
        error(key, "expected " + std::string(expected) + ", got " + shown(value) + " (" + printable(m_config.caFile) + ": " + problem + ")");
        m_config.caFile.clear();
    }

    std::string_view m_bytes;
    std::string m_file;
    fs::path m_folder;
    KioskConfig m_config;
    std::vector<std::string> m_errors;
};

ordered_json toOrderedJson(const KioskConfig& config) {
    return {
        {"unit_name", config.unitName},
        {"survey_file", config.surveyFile},
        {"default_locale", config.defaultLocale},
        {"idle_timeout_seconds", config.idleTimeoutSeconds},
        {"idle_warning_seconds", config.idleWarningSeconds},
        {"profile_timeout_seconds", config.profileTimeoutSeconds},
        {"read_aloud", config.readAloud},
        {"hold_min_ms_per_answer", config.holdMinMsPerAnswer},
        {"hold_min_seconds", config.holdMinSeconds},
        {"hold_max_per_window", config.holdMaxPerWindow},
        {"hold_window_minutes", config.holdWindowMinutes},
        {"pin_hash", config.pinHash},
        {"outbox_file", config.outboxFile},
        {"endpoint_url", config.endpointUrl},
        {"central_public_key", config.centralPublicKey},
        {"ca_file", config.caFile},
        {"pinned_public_key", config.pinnedPublicKey},
        {"proxy", config.proxy},
        {"sync_interval_seconds", config.syncIntervalSeconds},
        {"send_delay_min_minutes", config.sendDelayMinMinutes},
        {"send_delay_max_minutes", config.sendDelayMaxMinutes},
        {"device_id", config.deviceId},
        {"device_token", config.deviceToken},
    };
}

std::string systemError(std::string_view what, int error) { return std::string(what) + ": " + std::strerror(error); }

// Creates the folder (mode 0700 is the caller's choice; a kiosk's data folder) and replaces the file
// atomically with mode 0600 (files.hpp).
Status writeConfigFile(const fs::path& file, std::string_view text) {
    const fs::path folder = configFolder(file);
    std::error_code ec;
    fs::create_directories(folder, ec);
    if (ec) return Error{file.string() + ": cannot write the config: cannot create the folder " + folder.string() + ": " + ec.message()};
    return writeAtomically(file, text);
}

Result<std::string> readConfigFile(const fs::path& file) {
    const std::string name = file.string();
    const auto fail = [&](const std::string& message) { return Error{name + ": " + message}; };
    std::error_code ec;
    const auto status = fs::status(file, ec);
    if (ec || !fs::exists(status)) return fail("cannot read the config: the file does not exist; `svarboks config init` writes one");
    if (fs::is_directory(status)) return fail("is a directory; expected a kiosk config file (JSON)");
    if (!fs::is_regular_file(status)) return fail("is not a regular file; expected a kiosk config file (JSON)");
    const auto size = fs::file_size(file, ec);
    if (ec) return fail("cannot read the config: " + ec.message());
    if (size > kMaxConfigBytes) {
        return fail("the file is " + std::to_string(size) + " bytes; a kiosk config may be at most " + std::to_string(kMaxConfigBytes) + " bytes");
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) return fail(systemError("cannot read the config", errno));
    std::ostringstream bytes;
    bytes << in.rdbuf();
    return bytes.str();
}

}  // namespace

fs::path defaultConfigPath() {
    if (const char* explicitPath = std::getenv("SVARBOKS_CONFIG"); explicitPath && *explicitPath) return explicitPath;
    if (::geteuid() == 0) return "/etc/svarboks/kiosk.json";
    if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg == '/') return fs::path(xdg) / "svarboks" / "kiosk.json";
    if (const char* home = std::getenv("HOME"); home && *home) return fs::path(home) / ".config" / "svarboks" / "kiosk.json";
    if (const passwd* entry = ::getpwuid(::getuid()); entry && entry->pw_dir && *entry->pw_dir) {
        return fs::path(entry->pw_dir) / ".config" / "svarboks" / "kiosk.json";
    }
    return "kiosk.json";
}

Result<KioskConfig> parseConfig(std::string_view bytes, const fs::path& file) { return Parser(bytes, file).run(); }

Result<KioskConfig> loadConfig(const fs::path& file) {
    const auto bytes = readConfigFile(file);
    if (!bytes) return bytes.error();
    return parseConfig(*bytes, file);
}

json toJson(const KioskConfig& config) { return json(toOrderedJson(config)); }

Status saveConfig(const KioskConfig& config, const fs::path& file) {
    const std::string text = toOrderedJson(config).dump(2) + "\n";
    if (const auto checked = parseConfig(text, file); !checked) return checked.error();
    return writeConfigFile(file, text);
}

Result<KioskConfig> updateConfig(const fs::path& file, const json& changes) {
    const auto bytes = readConfigFile(file);
    if (!bytes) return bytes.error();
    if (const auto current = parseConfig(*bytes, file); !current) return current.error();
    if (!changes.is_object()) return Error{file.string() + ": the changes must be a JSON object"};
    auto doc = ordered_json::parse(*bytes);
    for (const auto& [key, value] : changes.items()) {
        if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end()) return Error{file.string() + ": " + printable(key) + ": unknown key"};
        doc[key] = value;
    }
    const std::string text = doc.dump(2) + "\n";
    auto updated = parseConfig(text, file);
    if (!updated) return updated;
    if (auto written = writeConfigFile(file, text); !written) return Error{written.message()};
    return updated;
}

Result<std::string> hashPin(std::string_view pin) {
    if (pin.size() < kMinPinDigits || pin.size() > kMaxPinDigits) {
        return Error{"PIN: expected " + std::string(kPinShape) + ", got " + std::to_string(pin.size()) + " characters"};
    }
    if (!validPinText(pin, kMinPinDigits)) return Error{"PIN: expected " + std::string(kPinShape) + ", got a character that is not a digit"};
    if (!sodiumInit()) return Error{"PIN: cannot hash it: libsodium failed to initialise"};
    std::array<char, crypto_pwhash_STRBYTES> hash{};
    if (crypto_pwhash_str_alg(hash.data(), pin.data(), pin.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0) {
        return Error{"PIN: cannot hash it: out of memory (Argon2id needs " +
                     std::to_string(crypto_pwhash_MEMLIMIT_INTERACTIVE / (1024 * 1024)) + " MiB)"};
    }
    return std::string(hash.data());
}

bool verifyPin(std::string_view pin, const std::string& hash) {
    if (!validPinText(pin, kMinLegacyPinDigits) || !hash.starts_with(kArgon2idPrefix) || !sodiumInit()) return false;
    return crypto_pwhash_str_verify(hash.c_str(), pin.data(), pin.size()) == 0;
}

}  // namespace svarboks::shared
