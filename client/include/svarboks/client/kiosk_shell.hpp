#pragma once
// The kiosk as the main loop sees it: the setup screen while the kiosk has no enrolment (setup_model.hpp),
// then the KioskApp; back to the setup screen when the admin chooses Re-enrol. The enrolment runs on a
// worker thread, so the screen stays responsive and shows its progress. The SDL main loop and the tests
// drive this object; it never touches a window.
#include "svarboks/client/kiosk_app.hpp"
#include "svarboks/client/kiosk_setup.hpp"
#include "svarboks/client/setup_model.hpp"

#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <optional>

namespace svarboks::client {

class KioskShell {
public:
    struct Options {
        std::filesystem::path configFile;    ///< the kiosk's own config (shared::defaultConfigPath() or --config)
        std::filesystem::path defaultsFile;  ///< IT's defaults for a new config (itDefaultsPath())
        bool startUploader = true;
        /// The enrolment, run on the worker thread; empty = runSetup (tests inject a fake).
        std::function<SetupResult(const SetupRequest&)> runSetup;
        std::chrono::milliseconds timeout{30'000};  ///< per enrolment request
        /// Reads the respondent screens aloud (speech.hpp) where the config's read_aloud is on; null = no Read aloud.
        std::shared_ptr<Speaker> speaker;
    };

    /// The kiosk for `options.configFile`: its KioskApp, or the setup screen when needsSetup() (no config
    /// yet: prefilled from IT's defaults). An error (a config or a defaults file that cannot be read or is
    /// invalid, a survey that cannot be used) names the file and is for the fatal-error screen.
    [[nodiscard]] static shared::Result<std::unique_ptr<KioskShell>> open(Options options);

    KioskShell(const KioskShell&) = delete;
    KioskShell& operator=(const KioskShell&) = delete;
    /// Waits for an enrolment under way (its requests time out), then stops the app.
    ~KioskShell();

    /// As KioskApp's: one intent from the screen, timers, when to wake, what to draw. Never waits on the network.
    void handle(const Intent& intent, TimePoint now);
    void tick(TimePoint now);
    [[nodiscard]] std::optional<TimePoint> nextDeadline(TimePoint now) const;
    [[nodiscard]] ScreenView view(TimePoint now) const;
    [[nodiscard]] bool quitRequested() const { return m_app && m_app->quitRequested(); }
    [[nodiscard]] Screen screen() const { return m_app ? m_app->model().screen() : Screen::Setup; }

    /// The running kiosk (nullptr on the setup screen) and the setup screen's model (nullptr while the kiosk runs).
    [[nodiscard]] KioskApp* app() const { return m_app.get(); }
    [[nodiscard]] const SetupModel* setup() const { return m_setup ? &*m_setup : nullptr; }

private:
    KioskShell(Options options, UiTexts texts);
    [[nodiscard]] shared::Status startApp(const shared::KioskConfig& config);
    void startSetup(std::string endpoint, bool canCancel, const std::string& locale);
    void enrol();
    void finishEnrolment(SetupResult result);

    Options m_options;
    UiTexts m_texts;
    std::unique_ptr<KioskApp> m_app;
    std::optional<SetupModel> m_setup;
    shared::KioskConfig m_base;  ///< what a new enrolment starts from (the config, or IT's defaults)
    std::future<SetupResult> m_enrolment;
};

}  // namespace svarboks::client
