#include "svarboks/client/cli.hpp"
#include "svarboks/client/ui_texts.hpp"

#include "svarboks/shared/config.hpp"
#include "svarboks/shared/survey.hpp"

#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>

namespace svarboks::client {

namespace {

namespace fs = std::filesystem;

fs::path configPath(const std::string& option) { return option.empty() ? shared::defaultConfigPath() : fs::path(option); }

// Turns off echo on the terminal at stdin for its lifetime.
class EchoOff {
public:
    EchoOff() {
        if (::tcgetattr(STDIN_FILENO, &m_saved) != 0) return;
        termios quiet = m_saved;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        m_active = ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
    }
    EchoOff(const EchoOff&) = delete;
    EchoOff& operator=(const EchoOff&) = delete;
    ~EchoOff() {
        if (m_active) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &m_saved);
    }

private:
    termios m_saved{};
    bool m_active = false;
};

// Overwrites a PIN before its memory is freed; volatile so the stores are not optimised away.
void wipe(std::string& secret) {
    volatile char* bytes = secret.data();
    for (std::size_t i = 0; i < secret.size(); ++i) bytes[i] = '\0';
    secret.clear();
}

std::optional<std::string> readLine(std::istream& in) {
    std::string line;
    if (!std::getline(in, line) && line.empty()) return std::nullopt;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
}

std::optional<std::string> promptSecret(std::istream& in, std::ostream& err, const char* prompt) {
    EchoOff quiet;
    err << prompt << std::flush;
    auto line = readLine(in);
    err << "\n";
    return line;
}

std::string readText(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

fs::path defaultSurveyPath() { return assetsDir() / "surveys" / "digital-kompetence.json"; }

int configInit(const ConfigInitOptions& options, std::ostream& out, std::ostream& err) {
    const fs::path file = configPath(options.config);
    std::error_code ec;
    if (!options.force && fs::exists(fs::symlink_status(file, ec))) {
        err << "svarboks: " << file.string() << " already exists; nothing was changed. Use --force to replace it "
            << "(its PIN and enrolment are lost), or `svarboks config check` to see whether it is usable.\n";
        return 1;
    }
    shared::KioskConfig config;
    config.unitName = options.unit;
    config.endpointUrl = options.endpoint;
    config.centralPublicKey = options.publicKey;
    // --survey is typed relative to where the command runs, but the file resolves paths against its own folder.
    const fs::path survey = options.survey.empty() ? defaultSurveyPath() : fs::absolute(options.survey, ec).lexically_normal();
    config.surveyFile = survey.string();
    if (const auto saved = shared::saveConfig(config, file); !saved) {
        err << saved.message() << "\n";
        return 1;
    }
    out << "Wrote " << fs::absolute(file, ec).string() << " (mode 0600):\n" << readText(file);
    if (!fs::exists(survey, ec)) {
        out << "Warning: the survey " << survey.string() << " does not exist yet; the kiosk will not start until it does.\n";
    }
    const std::string configOption = options.config.empty() ? "" : " --config " + options.config;
    out << "Next: set the admin PIN with `svarboks config set-pin" << configOption << "`, then run `svarboks config check"
        << configOption << "`.\n";
    return 0;
}

int configSetPin(const std::string& config, std::istream& in, std::ostream& out, std::ostream& err) {
    const fs::path file = configPath(config);
    if (const auto loaded = shared::loadConfig(file); !loaded) {
        err << loaded.error().message << "\n";
        return 1;
    }
    std::optional<std::string> pin;
    const bool interactive = &in == &std::cin && ::isatty(STDIN_FILENO) == 1;
    if (interactive) {
        pin = promptSecret(in, err, "New admin PIN (6-8 digits): ");
    } else {
        pin = readLine(in);
    }
    if (!pin) {
        err << "svarboks: no PIN on standard input; expected one line with 6 to 8 digits\n";
        return 1;
    }
    auto hash = shared::hashPin(*pin);
    if (hash && interactive) {
        auto again = promptSecret(in, err, "The same PIN again: ");
        const bool same = again && *again == *pin;
        if (again) wipe(*again);
        if (!same) {
            wipe(*pin);
            err << "svarboks: the two PINs differ; nothing was changed\n";
            return 1;
        }
    }
    wipe(*pin);
    if (!hash) {
        err << "svarboks: " << hash.error().message << "; nothing was changed\n";
        return 1;
    }
    if (const auto updated = shared::updateConfig(file, {{"pin_hash", *hash}}); !updated) {
        err << updated.error().message << "\n";
        return 1;
    }
    out << file.string() << ": admin PIN set (only its Argon2id hash is stored)\n";
    return 0;
}

int configCheck(const std::string& config, std::ostream& out) {
    const fs::path file = configPath(config);
    const auto loaded = shared::loadConfig(file);
    if (!loaded) {
        out << loaded.error().message << "\n";
        return 1;
    }
    const auto survey = shared::loadSurveyFile(loaded->surveyFile);
    bool ok = survey.ok();
    for (const auto& diagnostic : survey.diagnostics) {
        if (diagnostic.severity == shared::Diagnostic::Severity::Error) out << diagnostic.format() << "\n";
    }
    if (survey.ok()) {
        const auto& locales = survey.survey->locales;
        if (std::find(locales.begin(), locales.end(), loaded->defaultLocale) == locales.end()) {
            out << file.string() << ": default_locale: expected a language the survey offers (";
            for (std::size_t i = 0; i < locales.size(); ++i) out << (i ? ", " : "") << locales[i];
            out << "), got \"" << loaded->defaultLocale << "\"\n";
            ok = false;
        }
    }
    if (!ok) return 1;
    // Warnings only once nothing is wrong, so that the first lines are always what to fix.
    if (loaded->centralPublicKey.empty()) {
        out << file.string() << ": warning: central_public_key is empty; the kiosk shows its setup screen until the device is "
            << "enrolled or the key is set\n";
    }
    struct stat info {};
    const bool holdsSecrets = !loaded->deviceToken.empty() || !loaded->pinHash.empty();
    if (holdsSecrets && ::stat(file.c_str(), &info) == 0 && (info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        out << file.string() << ": warning: holds secrets but others may read it; run chmod 600 " << file.string() << "\n";
    }
    out << file.string() << ": ok\n";
    return 0;
}

}  // namespace svarboks::client
