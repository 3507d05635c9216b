#include "svarboks/client/kiosk_shell.hpp"

#include "svarboks/client/sync_texts.hpp"

#include <iostream>

namespace svarboks::client {

namespace {

constexpr auto kEnrolmentPoll = std::chrono::milliseconds(100);

}  // namespace

shared::Result<std::unique_ptr<KioskShell>> KioskShell::open(Options options) {
    if (!shared::sodiumInit()) return shared::Error{"libsodium cannot be initialised"};
    auto texts = UiTexts::load(assetsDir() / "ui" / "texts.json");
    if (!texts) return texts.error();
    std::error_code ec;
    const bool exists = std::filesystem::exists(options.configFile, ec);
    std::optional<shared::KioskConfig> config;
    if (exists) {
        auto loaded = shared::loadConfig(options.configFile);
        if (!loaded) return loaded.error();
        config = std::move(loaded).value();
    }
    auto shell = std::unique_ptr<KioskShell>(new KioskShell(std::move(options), std::move(texts).value()));
    if (!needsSetup(config ? &*config : nullptr)) {
        if (auto started = shell->startApp(*config); !started) return shared::Error{started.message()};
        return shell;
    }
    if (config) {
        shell->m_base = *config;
    } else {
        auto base = newConfigTemplate(shell->m_options.defaultsFile);
        if (!base) return base.error();
        shell->m_base = std::move(base).value();
    }
    shell->startSetup(shell->m_base.endpointUrl, false, shell->m_base.defaultLocale);
    return shell;
}

KioskShell::KioskShell(Options options, UiTexts texts) : m_options(std::move(options)), m_texts(std::move(texts)) {
    if (!m_options.runSetup) m_options.runSetup = client::runSetup;
}

KioskShell::~KioskShell() {
    if (m_enrolment.valid()) m_enrolment.wait();
}

shared::Status KioskShell::startApp(const shared::KioskConfig& config) {
    auto app = KioskApp::create(config, m_options.startUploader, m_options.configFile);
    if (!app) return shared::Error{m_options.configFile.string() + ": " + app.error().message};
    m_app = std::move(app).value();
    m_app->setSpeaker(m_options.speaker);
    m_setup.reset();
    return {};
}

void KioskShell::startSetup(std::string endpoint, bool canCancel, const std::string& locale) {
    m_setup.emplace(std::move(endpoint), canCancel, locale);
}

void KioskShell::handle(const Intent& intent, TimePoint now) {
    if (m_app) {
        m_app->handle(intent, now);
        if (m_app->reenrolRequested()) {
            // The config stays as it is until a new enrolment replaces its keys; Cancel goes back to it.
            m_base = m_app->config();
            const std::string locale = m_app->model().locale();
            m_app.reset();
            startSetup(m_base.endpointUrl, true, locale);
        }
        return;
    }
    switch (m_setup->apply(intent)) {
        case SetupEffect::None: break;
        case SetupEffect::Enrol: enrol(); break;
        case SetupEffect::Cancel:
            if (auto started = startApp(m_base); !started) m_setup->enrolFailed(SetupModel::Failure::Other, started.message());
            break;
    }
}

void KioskShell::enrol() {
    using Field = SetupModel::Field;
    SetupRequest request;
    request.configFile = m_options.configFile;
    request.base = m_base;
    request.endpoint = m_setup->text(Field::Endpoint);
    request.code = m_setup->text(Field::Code);
    request.pin = m_setup->text(Field::Pin);
    request.timeout = m_options.timeout;
    m_setup->enrolStarted();
    m_enrolment = std::async(std::launch::async, m_options.runSetup, std::move(request));
}

void KioskShell::finishEnrolment(SetupResult result) {
    if (result.failure != SetupModel::Failure::None) {
        m_setup->enrolFailed(result.failure, result.detail);
        return;
    }
    // For the journal: what IT needs to know when the kiosk then says it is not ready.
    std::cerr << "svarboks: enrolled as device " << result.config->deviceId << " of " << result.config->unitName << "; survey: "
              << SyncTexts(m_texts, "en").surveyFetch(result.survey) << "\n";
    if (auto started = startApp(*result.config); !started) m_setup->enrolFailed(SetupModel::Failure::Other, started.message());
}

void KioskShell::tick(TimePoint now) {
    if (m_app) {
        m_app->tick(now);
        return;
    }
    if (m_enrolment.valid() && m_enrolment.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
        finishEnrolment(m_enrolment.get());
    }
}

std::optional<TimePoint> KioskShell::nextDeadline(TimePoint now) const {
    if (m_app) return m_app->nextDeadline(now);
    if (m_enrolment.valid()) return now + kEnrolmentPoll;
    return std::nullopt;
}

ScreenView KioskShell::view(TimePoint now) const {
    if (m_app) return m_app->view(now);
    return makeSetupView(*m_setup, m_texts);
}

}  // namespace svarboks::client
