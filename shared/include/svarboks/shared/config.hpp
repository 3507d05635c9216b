#pragma once
// The kiosk's one JSON config file (docs/configuration.md documents every key).
#include "svarboks/shared/result.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <string_view>

namespace svarboks::shared {

struct KioskConfig {
    std::string unitName;              ///< "unit_name": shown on the admin screen; the server decides the real unit
    std::string endpointUrl;           ///< "endpoint_url": https://... of the central endpoint ("" = not configured yet)
    std::string centralPublicKey;      ///< "central_public_key": base64 of the 32-byte X25519 key responses are sealed to
    std::string caFile;                ///< "ca_file": the CA bundle to trust instead of the system CAs ("" = system CAs; relative paths: to the config's folder)
    std::string pinnedPublicKey;       ///< "pinned_public_key": curl pin "sha256//base64" ("" = no pin)
    std::string deviceId;              ///< "device_id": from enrolment
    std::string deviceToken;           ///< "device_token": from enrolment; secret
    std::string pinHash;               ///< "pin_hash": crypto_pwhash_str of the admin PIN ("" = admin disabled)
    int idleTimeoutSeconds = 90;       ///< "idle_timeout_seconds": quiet time before the idle warning
    int idleWarningSeconds = 20;       ///< "idle_warning_seconds": countdown shown before wiping (at least 20)
    int profileTimeoutSeconds = 60;    ///< "profile_timeout_seconds": the profile returns to welcome by itself
    bool readAloud = true;             ///< "read_aloud": the respondent screens offer Read aloud (false: a kiosk without sound)
    int holdMinMsPerAnswer = 1500;     ///< "hold_min_ms_per_answer": a response finished faster per answered question is held (0 = no such check)
    int holdMinSeconds = 10;           ///< "hold_min_seconds": a response finished faster in all is held (0 = no such check)
    int holdMaxPerWindow = 3;          ///< "hold_max_per_window": completions beyond this many within hold_window_minutes are held
    int holdWindowMinutes = 10;        ///< "hold_window_minutes": the window of hold_max_per_window
    std::string defaultLocale = "da";  ///< "default_locale"
    std::string surveyFile;            ///< "survey_file": the survey shown (relative paths: to the config's folder)
    std::string outboxFile = "outbox.db";  ///< "outbox_file": the SQLite outbox (relative paths: to the config's folder)
    int syncIntervalSeconds = 300;     ///< "sync_interval_seconds": the uploader's timer
    int sendDelayMinMinutes = 20;      ///< "send_delay_min_minutes": new responses wait at least this long before they are sent
    int sendDelayMaxMinutes = 60;      ///< "send_delay_max_minutes": ... and at most this long (uniform; both 0 = at once)
    std::string proxy;                 ///< "proxy": "" = from the environment (https_proxy)

    bool operator==(const KioskConfig&) const = default;
};

/// Where the kiosk looks when no --config is given: $SVARBOKS_CONFIG, else /etc/svarboks/kiosk.json when
/// running as root, else $XDG_CONFIG_HOME (or ~/.config)/svarboks/kiosk.json. Reads the environment, so not
/// safe to call while another thread calls setenv.
[[nodiscard]] std::filesystem::path defaultConfigPath();

/// Parses and checks a config. Every error names the file, the key and what is expected, e.g.
/// "kiosk.json: idle_timeout_seconds: expected a whole number of seconds from 30 to 3600, got \"fast\"".
/// All problems are reported, one per line. Unknown keys are errors (a typo must not silently fall back to
/// a default), with a "did you mean" when a known key is close. Relative paths (survey_file, outbox_file,
/// ca_file) are resolved against the config file's folder, so the result holds absolute paths. A missing
/// key takes its default; survey_file has none and is required. Values that may be secret (pin_hash,
/// device_token) are never repeated in a message. ca_file must exist; survey_file is not opened here.
/// Thread-safe.
[[nodiscard]] Result<KioskConfig> parseConfig(std::string_view bytes, const std::filesystem::path& file);
/// Reads and parses a config file (at most 64 KiB); a missing file, a folder or an unreadable file is an error.
[[nodiscard]] Result<KioskConfig> loadConfig(const std::filesystem::path& file);

/// The config as JSON with every key (what `config init` writes).
[[nodiscard]] nlohmann::json toJson(const KioskConfig& config);

/// Writes the config atomically (temp file, fsync, rename, fsync of the folder) with mode 0600, since it
/// holds the device token. Creates missing folders. Refuses (and writes nothing) when the result would not
/// pass loadConfig; on any error the previous file is untouched.
[[nodiscard]] Status saveConfig(const KioskConfig& config, const std::filesystem::path& file);

/// Changes some keys of an existing, valid config file and writes it back atomically (as saveConfig does),
/// keeping every other key exactly as written (relative paths stay relative). `changes` is an object of
/// known keys, e.g. {"pin_hash": "..."}. Returns the new config, or the error that made it refuse.
[[nodiscard]] Result<KioskConfig> updateConfig(const std::filesystem::path& file, const nlohmann::json& changes);

/// The admin PIN as a slow hash (libsodium crypto_pwhash_str, Argon2id, the INTERACTIVE limits: 64 MiB).
/// A new PIN is 6-8 ASCII digits; anything else is an error that does not repeat the PIN. Thread-safe.
[[nodiscard]] Result<std::string> hashPin(std::string_view pin);
/// Checks a PIN against a stored hash. Takes about as long as hashPin (by design). False for a malformed
/// PIN or hash. Still takes 4 or 5 digits: a hash made before 6 were required keeps working. Thread-safe.
[[nodiscard]] bool verifyPin(std::string_view pin, const std::string& hash);

}  // namespace svarboks::shared
