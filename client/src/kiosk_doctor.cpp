#include "svarboks/client/kiosk_doctor.hpp"

#include "svarboks/client/cli.hpp"
#include "svarboks/client/fonts.hpp"
#include "svarboks/client/speech.hpp"
#include "svarboks/shared/config.hpp"
#include "svarboks/shared/survey.hpp"
#include "svarboks/sync/endpoint_probe.hpp"
#include "svarboks/sync/outbox.hpp"
#include "svarboks/sync/sync_state.hpp"

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <ostream>

namespace svarboks::client {

namespace {

namespace fs = std::filesystem;
using shared::Check;
using Level = Check::Level;

// The kiosk's words in one language. Every line is named by "doctor_<check>"; its detail and action are
// texts of their own.
class Words {
public:
    Words(const UiTexts& texts, std::string locale) : m_texts(texts), m_locale(std::move(locale)) {}

    [[nodiscard]] std::string t(std::string_view key, const std::vector<std::string>& args = {}) const {
        return m_texts.get(m_locale, key, args);
    }
    /// A line of check `name`; the action only when the level is not ok.
    [[nodiscard]] Check line(Level level, const std::string& name, std::string detail, std::string action = "") const {
        return {level, t("doctor_" + name), std::move(detail), level == Level::Ok ? "" : std::move(action)};
    }
    /// "12 s", "7 min", "3 h", "2 days".
    [[nodiscard]] std::string duration(std::int64_t seconds) const {
        if (seconds < 120) return t("sync_seconds", {std::to_string(seconds)});
        if (seconds < 2 * 3600) return t("sync_minutes", {std::to_string(seconds / 60)});
        if (seconds < 2 * 86400) return t("sync_hours", {std::to_string(seconds / 3600)});
        return t("doctor_days", {std::to_string(seconds / 86400)});
    }

private:
    const UiTexts& m_texts;
    std::string m_locale;
};

// A message of several lines (a config's problems) on the one line of a check.
std::string oneLine(std::string text) {
    for (auto at = text.find('\n'); at != std::string::npos; at = text.find('\n', at)) text.replace(at, 1, "; ");
    return text;
}

std::string octalMode(mode_t mode) {
    char text[8];
    std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
    return text;
}

Check configCheck(const Words& w, const fs::path& file, const shared::Result<shared::KioskConfig>& config) {
    std::error_code ec;
    if (!fs::exists(file, ec)) {
        return w.line(Level::Problem, "config", w.t("doctor_config_missing", {file.string()}), w.t("doctor_config_missing_do", {file.string()}));
    }
    if (!config) return w.line(Level::Problem, "config", oneLine(config.error().message), w.t("doctor_config_bad_do", {file.string()}));
    struct stat info {};
    if (::stat(file.c_str(), &info) == 0 && (info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        return w.line(Level::Warning, "config", w.t("doctor_config_open", {file.string(), octalMode(info.st_mode)}),
                      w.t("doctor_config_open_do", {file.string()}));
    }
    return w.line(Level::Ok, "config", w.t("doctor_config_ok", {file.string()}));
}

Check timeZoneCheck(const Words& w, std::string zone) {
    if (zone.empty()) zone = shared::systemTimeZone();
    if (zone == shared::kDanishTimeZone) return w.line(Level::Ok, "time_zone", zone);
    return w.line(Level::Warning, "time_zone", w.t("doctor_time_zone_other", {zone.empty() ? w.t("doctor_time_zone_none") : zone}),
                  w.t("doctor_time_zone_do", {shared::kDanishTimeZone}));
}

Check clockSyncCheck(const Words& w) {
    if (shared::clockKeptInStep()) return w.line(Level::Ok, "clock_sync", w.t("doctor_clock_sync_ok"));
    return w.line(Level::Warning, "clock_sync", w.t("doctor_clock_sync_unknown"), w.t("doctor_clock_sync_do"));
}

Check diskCheck(const Words& w, const fs::path& dir) {
    const auto free = shared::freeDiskBytes(dir);
    if (!free) return w.line(Level::Problem, "disk", w.t("doctor_disk_unknown", {dir.string()}), w.t("doctor_disk_unknown_do"));
    const Level level = shared::diskLevel(*free);
    return w.line(level, "disk", w.t("doctor_disk_free", {shared::gibibytes(*free), dir.string()}),
                  w.t(level == Level::Problem ? "doctor_disk_full_do" : "doctor_disk_low_do"));
}

// The speech engine and the voices of both languages (a word each, synthesised into nothing). The sound
// device is SDL's and is opened only when a respondent first taps Read aloud: its errors go to the log.
Check readAloudCheck(const Words& w, const shared::KioskConfig& config) {
    if (!config.readAloud) return w.line(Level::Ok, "read_aloud", w.t("doctor_read_aloud_off"));
    std::string voices;
    for (const char* language : {"da", "en"}) {
        auto voice = synthesise(language == std::string_view("da") ? "Læs op" : "Read aloud", language,
                                [](std::span<const std::int16_t>) { return true; });
        if (!voice) return w.line(Level::Problem, "read_aloud", voice.error().message, w.t("doctor_read_aloud_do"));
        voices += (voices.empty() ? "" : ", ") + voice->name;
    }
    return w.line(Level::Ok, "read_aloud", w.t("doctor_read_aloud_ok", {voices}));
}

Check fontsCheck(const Words& w) {
    const auto fonts = findFonts();
    if (!fonts) return w.line(Level::Problem, "fonts", w.t("doctor_fonts_missing"), w.t("doctor_fonts_do"));
    return w.line(Level::Ok, "fonts", fonts->regular.string());
}

// Cheap on purpose: a display is named and its socket is there. Opening it would need SDL, and the kiosk's
// own session (cage) starts the kiosk only once its display is up.
Check displayCheck(const Words& w, const DoctorOptions& options) {
    const auto env = [&](const char* name) -> std::string {
        if (options.environment) return options.environment(name).value_or("");
        const char* value = std::getenv(name);
        return value ? value : "";
    };
    std::error_code ec;
    if (const std::string wayland = env("WAYLAND_DISPLAY"); !wayland.empty()) {
        const fs::path socket = wayland.front() == '/' ? fs::path(wayland) : fs::path(env("XDG_RUNTIME_DIR")) / wayland;
        if (fs::is_socket(socket, ec)) return w.line(Level::Ok, "display", w.t("doctor_display_wayland", {wayland}));
        return w.line(Level::Problem, "display", w.t("doctor_display_gone", {"WAYLAND_DISPLAY=" + wayland, socket.string()}),
                      w.t("doctor_display_gone_do"));
    }
    if (const std::string x11 = env("DISPLAY"); !x11.empty()) {
        // "HOST:N" is another machine's display, not checked from here; ":N" and ":N.S" are this one's, at /tmp/.X11-unix/XN.
        if (x11.front() != ':') return w.line(Level::Ok, "display", w.t("doctor_display_x11", {x11}));
        const fs::path socket = "/tmp/.X11-unix/X" + x11.substr(1, x11.find('.') - 1);
        if (fs::is_socket(socket, ec)) return w.line(Level::Ok, "display", w.t("doctor_display_x11", {x11}));
        return w.line(Level::Problem, "display", w.t("doctor_display_gone", {"DISPLAY=" + x11, socket.string()}), w.t("doctor_display_gone_do"));
    }
    return w.line(Level::Warning, "display", w.t("doctor_display_none"), w.t("doctor_display_none_do"));
}

Check outboxCheck(const Words& w, const fs::path& file) {
    std::error_code ec;
    if (!fs::exists(file, ec)) return w.line(Level::Ok, "outbox", w.t("doctor_outbox_new", {file.string()}));
    auto outbox = sync::Outbox::open(file);
    if (!outbox) return w.line(Level::Problem, "outbox", oneLine(outbox.error().message), w.t("doctor_outbox_open_do", {file.string()}));
    const auto integrity = outbox->integrityCheck();
    if (!integrity || *integrity != "ok") {
        const std::string finding = integrity ? *integrity : integrity.error().message;
        return w.line(Level::Problem, "outbox", w.t("doctor_outbox_damaged", {oneLine(finding)}), w.t("doctor_outbox_damaged_do", {file.string()}));
    }
    const auto counts = outbox->counts();
    if (!counts) return w.line(Level::Problem, "outbox", oneLine(counts.error().message), w.t("doctor_outbox_open_do", {file.string()}));
    const std::string detail =
        w.t("doctor_outbox_counts", {std::to_string(counts->pending), std::to_string(counts->held), std::to_string(counts->quarantined)});
    if (counts->quarantined > 0) return w.line(Level::Warning, "outbox", detail, w.t("doctor_outbox_quarantined_do"));
    return w.line(Level::Ok, "outbox", detail);
}

// The endpoint, TLS and the clock against the server's: what GET /healthz found.
void endpointChecks(const Words& w, const shared::KioskConfig& config, const sync::EndpointProbe& probe, std::vector<Check>& checks) {
    using Failure = sync::HttpResponse::Failure;
    const std::string& url = config.endpointUrl;
    const sync::HttpResponse& health = probe.health;
    if (health.failure == Failure::Tls || health.failure == Failure::Pin) {
        checks.push_back(w.line(Level::Ok, "endpoint", w.t("doctor_endpoint_tls_failed", {url})));
        checks.push_back(health.failure == Failure::Pin ? w.line(Level::Problem, "tls", w.t("doctor_tls_pin_mismatch"), w.t("doctor_tls_pin_do"))
                             : w.line(Level::Problem, "tls", w.t("doctor_tls_untrusted", {health.error}), w.t("doctor_tls_untrusted_do")));
        return;
    }
    if (!health.ok()) {
        const char* action = health.failure == Failure::Setup ? "doctor_endpoint_url_do" : "doctor_endpoint_unreachable_do";
        checks.push_back(w.line(Level::Problem, "endpoint", w.t("doctor_endpoint_unreachable", {url, health.error}), w.t(action)));
        return;
    }
    if (health.status == 200 && health.body == "ok") {
        checks.push_back(w.line(Level::Ok, "endpoint", w.t("doctor_endpoint_ok", {url})));
    } else if (health.status == 503) {
        checks.push_back(w.line(Level::Warning, "endpoint", w.t("doctor_endpoint_busy", {url}), w.t("doctor_endpoint_busy_do")));
    } else {
        checks.push_back(w.line(Level::Problem, "endpoint", w.t("doctor_endpoint_not_svarboks", {url, std::to_string(health.status)}),
                                w.t("doctor_endpoint_url_do")));
    }
    std::string trust = config.caFile.empty() ? w.t("doctor_tls_ok_system") : w.t("doctor_tls_ok_ca", {config.caFile});
    if (!config.pinnedPublicKey.empty()) trust += w.t("doctor_tls_ok_pin");
    checks.push_back(w.line(Level::Ok, "tls", trust));
    if (!probe.serverTime) {
        checks.push_back(w.line(Level::Warning, "clock", w.t("doctor_clock_no_date"), w.t("doctor_clock_no_date_do")));
        return;
    }
    const std::int64_t skew = probe.localTime - *probe.serverTime;
    const Level level = shared::clockSkewLevel(skew);
    const std::int64_t size = skew < 0 ? -skew : skew;
    // The Date header has whole seconds, and the reply took a moment to arrive.
    const std::string detail = size < 2 ? w.t("doctor_clock_agrees") : w.t(skew > 0 ? "doctor_clock_ahead" : "doctor_clock_behind", {w.duration(size)});
    checks.push_back(w.line(level, "clock", detail, w.t("doctor_clock_do")));
}

// What GET /api/v1/survey said about the token: 401 means the server no longer knows this kiosk.
Check enrolmentCheck(const Words& w, const shared::KioskConfig& config, const std::optional<sync::EndpointProbe>& probe) {
    if (config.deviceToken.empty()) return w.line(Level::Problem, "enrolment", w.t("doctor_enrolment_none"), w.t("doctor_enrolment_none_do"));
    if (!probe || !probe->survey || !probe->survey->ok()) {
        return w.line(Level::Warning, "enrolment", w.t("doctor_enrolment_unconfirmed"), w.t("doctor_enrolment_unconfirmed_do"));
    }
    const long status = probe->survey->status;
    if (status == 401) return w.line(Level::Problem, "enrolment", w.t("doctor_enrolment_refused"), w.t("doctor_enrolment_refused_do"));
    if (status == 200 || status == 304 || status == 404) {
        return w.line(Level::Ok, "enrolment", w.t("doctor_enrolment_ok", {config.deviceId.empty() ? "?" : config.deviceId}));
    }
    return w.line(Level::Warning, "enrolment", w.t("doctor_enrolment_status", {std::to_string(status)}), w.t("doctor_endpoint_busy_do"));
}

// An enrolled kiosk shows only its unit's survey from the endpoint (survey-cache.json); one that is not
// enrolled shows survey_file.
Check surveyCheck(const Words& w, const shared::KioskConfig& config, const std::optional<sync::EndpointProbe>& probe) {
    if (config.deviceToken.empty()) {
        auto loaded = shared::loadSurveyFile(config.surveyFile);
        if (loaded.ok()) {
            return w.line(Level::Ok, "survey", w.t("doctor_survey_file", {loaded.survey->id, loaded.survey->version, config.surveyFile}));
        }
        std::string problems;
        for (const auto& d : loaded.diagnostics) {
            if (d.severity == shared::Diagnostic::Severity::Error) problems += (problems.empty() ? "" : "; ") + d.format();
        }
        return w.line(Level::Problem, "survey", oneLine(problems), w.t("doctor_survey_file_do", {config.surveyFile}));
    }
    const long status = probe && probe->survey && probe->survey->ok() ? probe->survey->status : 0;
    if (const auto cached = sync::readSurveyCache(sync::syncStateDir(config))) {
        const auto& survey = cached->survey;
        return w.line(Level::Ok, "survey", w.t(status == 200 ? "doctor_survey_newer" : "doctor_survey_ok", {survey.id, survey.version}));
    }
    if (status == 404) return w.line(Level::Problem, "survey", w.t("doctor_survey_unassigned"), w.t("doctor_survey_unassigned_do"));
    return w.line(Level::Problem, "survey", w.t("doctor_survey_none"), w.t("doctor_survey_none_do"));
}

}  // namespace

std::vector<Check> kioskDoctor(const DoctorOptions& options, const UiTexts& texts, const std::string& locale) {
    const Words w(texts, locale);
    const auto config = shared::loadConfig(options.configFile);
    std::vector<Check> checks{configCheck(w, options.configFile, config)};
    checks.push_back(timeZoneCheck(w, options.timeZone));
    checks.push_back(clockSyncCheck(w));
    if (config) checks.push_back(diskCheck(w, fs::path(config->outboxFile).parent_path()));
    checks.push_back(fontsCheck(w));
    checks.push_back(displayCheck(w, options));
    if (!config) return checks;  // the rest needs the config
    checks.push_back(readAloudCheck(w, *config));
    checks.push_back(outboxCheck(w, config->outboxFile));
    std::optional<sync::EndpointProbe> probe;
    if (!config->endpointUrl.empty()) {
        auto probed = sync::probeEndpoint(*config, {options.timeout, options.cancelled});
        if (probed) {
            probe = std::move(probed).value();
            endpointChecks(w, *config, *probe, checks);
        } else {
            checks.push_back(w.line(Level::Problem, "endpoint", oneLine(probed.error().message), w.t("doctor_endpoint_unreachable_do")));
        }
    }
    checks.push_back(enrolmentCheck(w, *config, probe));
    checks.push_back(surveyCheck(w, *config, probe));
    return checks;
}

int doctorCommand(const std::string& config, std::ostream& out, std::ostream& err) {
    auto texts = loadKioskTexts();
    if (!texts) {
        err << "svarboks doctor: " << texts.error().message << "\n";
        return 2;
    }
    DoctorOptions options;
    options.configFile = config.empty() ? shared::defaultConfigPath() : fs::path(config);
    return shared::printChecks(kioskDoctor(options, *texts, "en"), out);
}

DoctorRun::DoctorRun(DoctorOptions options, UiTexts texts, std::string locale)
    : m_thread([this, options = std::move(options), texts = std::move(texts), locale = std::move(locale)](std::stop_token stop) mutable {
          options.cancelled = [stop, outer = std::move(options.cancelled)] { return stop.stop_requested() || (outer && outer()); };
          auto lines = kioskDoctor(options, texts, locale);
          std::lock_guard lock(m_mutex);
          m_result = std::move(lines);
      }) {}

std::optional<std::vector<Check>> DoctorRun::result() const {
    std::lock_guard lock(m_mutex);
    return m_result;
}

}  // namespace svarboks::client
