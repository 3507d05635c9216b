#pragma once
// The kiosk application without a window: the model, the survey, the kiosk's texts and the response
// store, wired together, and the model's effects carried out (seal + commit, export, quit). The SDL
// main loop, the headless UI tests and `svarboks simulate` all drive this same object.
#include "svarboks/client/kiosk_doctor.hpp"
#include "svarboks/client/kiosk_model.hpp"
#include "svarboks/client/views.hpp"
#include "svarboks/shared/config.hpp"
#include "svarboks/shared/result.hpp"
#include "svarboks/shared/sealing.hpp"
#include "svarboks/sync/outbox.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace svarboks::sync {
class Uploader;
}

namespace svarboks::client {

class Speaker;

/// Where completed responses go. Implementations must only return success once the response is durable.
class ResponseStore {
public:
    virtual ~ResponseStore() = default;
    /// Seals and commits one response (`held`: as held, not to be sent until released) and returns its id;
    /// an error leaves nothing half-written.
    [[nodiscard]] virtual shared::Result<std::string> save(const shared::ResponsePayload& payload, bool held) = 0;
    [[nodiscard]] virtual shared::Result<sync::OutboxCounts> counts() = 0;
    /// Makes every held response a normal pending one; returns how many.
    [[nodiscard]] virtual shared::Result<std::int64_t> releaseHeld() = 0;
    /// Deletes every held response for good; returns how many.
    [[nodiscard]] virtual shared::Result<std::int64_t> deleteHeld() = 0;
    /// Writes the outbox to `file`; returns how many responses.
    [[nodiscard]] virtual shared::Result<std::int64_t> exportTo(const std::filesystem::path& file) = 0;
    /// Makes every quarantined response pending again (sync::Outbox::retryQuarantined); returns how many.
    [[nodiscard]] virtual shared::Result<std::int64_t> retryQuarantined() = 0;
};

/// The production store: crypto_box_seal to the central public key, then one committed row in the outbox.
/// No plaintext answer is ever written.
class OutboxStore final : public ResponseStore {
public:
    OutboxStore(sync::Outbox outbox, shared::PublicKey centralKey, std::string exportHeader);
    [[nodiscard]] shared::Result<std::string> save(const shared::ResponsePayload& payload, bool held) override;
    [[nodiscard]] shared::Result<sync::OutboxCounts> counts() override;
    [[nodiscard]] shared::Result<std::int64_t> releaseHeld() override;
    [[nodiscard]] shared::Result<std::int64_t> deleteHeld() override;
    [[nodiscard]] shared::Result<std::int64_t> exportTo(const std::filesystem::path& file) override;
    [[nodiscard]] shared::Result<std::int64_t> retryQuarantined() override;

private:
    sync::Outbox m_outbox;
    shared::PublicKey m_centralKey;
    std::string m_exportHeader;
};

class KioskApp {
public:
    /// Loads the survey and the kiosk's texts and opens the outbox named by the config. Every error says
    /// which file and what is wrong. An enrolled kiosk (endpoint_url and device_token set) uses only the survey
    /// received from its endpoint (survey-cache.json), never survey_file: without one it shows the not-ready
    /// screen until the uploader brings it. With `startUploader` an enrolled kiosk starts the background
    /// uploader (sync/uploader.hpp); an uploader that cannot start is reported on the admin screen, and the
    /// kiosk keeps collecting responses. `configFile` is where a new admin PIN is stored ("" = nowhere: Change
    /// PIN then reports an error).
    [[nodiscard]] static shared::Result<std::unique_ptr<KioskApp>> create(const shared::KioskConfig& config, bool startUploader = true,
                                                                        std::filesystem::path configFile = {});

    /// `pinStore` keeps wrong PINs across restarts (create() passes a PinLockFile, pin-lock.json beside the
    /// outbox); without one they are kept in memory only.
    /// `survey` may be null (the not-ready screen).
    KioskApp(shared::KioskConfig config, std::shared_ptr<const shared::Survey> survey, UiTexts texts,
             std::unique_ptr<ResponseStore> store, std::function<bool(std::string_view)> checkPin,
             std::unique_ptr<PinLockStore> pinStore = nullptr);
    /// Stops the uploader's thread (an ongoing transfer is aborted within about a second).
    ~KioskApp();
    KioskApp(const KioskApp&) = delete;
    KioskApp& operator=(const KioskApp&) = delete;

    /// Hands the app an uploader (create() does when the kiosk is enrolled); the app notifies it after each
    /// commit (it sends on its schedule), asks it to send at once on Sync now, shows its status, and takes new
    /// surveys from it between respondents.
    void attachUploader(std::unique_ptr<sync::Uploader> uploader);
    [[nodiscard]] sync::Uploader* uploader() const { return m_uploader.get(); }
    /// Hands the app the speaker that reads the respondent screens aloud (speech.hpp), when the config's
    /// read_aloud is on; with none, the screens have no Read aloud button. Speech stops at the respondent's
    /// next tap on anything else, when the screen changes by itself, and when the app ends; while it speaks,
    /// the kiosk counts as in use (no idle warning).
    void setSpeaker(std::shared_ptr<Speaker> speaker);

    /// One intent from the screen, at `now`; carries out the model's effect. A completed response is committed
    /// as held when the model says so (HoldRules from the config); the respondent sees the same screens either way.
    void handle(const Intent& intent, TimePoint now);
    /// Timers: the model's, and retrying a failed save every few seconds; takes a new survey from the
    /// uploader's mailbox, refreshes the admin screen's sync state and takes the lines of a finished run of
    /// the checks (Check runs kioskDoctor on a worker thread). Never waits on the network.
    void tick(TimePoint now);
    [[nodiscard]] std::optional<TimePoint> nextDeadline(TimePoint now) const;
    [[nodiscard]] ScreenView view(TimePoint now) const;

    [[nodiscard]] bool quitRequested() const { return m_quit; }
    /// The admin chose Re-enrol and nothing waits unsent: the caller shows the setup screen (kiosk_shell.hpp).
    [[nodiscard]] bool reenrolRequested() const { return m_reenrol; }
    [[nodiscard]] const shared::KioskConfig& config() const { return m_config; }
    [[nodiscard]] const KioskModel& model() const { return m_model; }
    [[nodiscard]] const AdminStatus& adminStatus() const { return m_admin; }
    /// How many responses this app has committed, and the id of the last (for simulate and tests).
    [[nodiscard]] std::int64_t savedCount() const { return m_saved; }
    [[nodiscard]] const std::string& lastSavedId() const { return m_lastSavedId; }

private:
    void carryOut(Effect effect, TimePoint now);
    void save(TimePoint now);
    void refreshAdminStatus();
    void reenrol();
    void changePin();
    void runChecks();
    void readAloud(TimePoint now);
    [[nodiscard]] bool speaking() const;

    shared::KioskConfig m_config;
    UiTexts m_texts;
    std::unique_ptr<ResponseStore> m_store;
    KioskModel m_model;
    AdminStatus m_admin;
    std::optional<TimePoint> m_retryAt;
    std::int64_t m_saved = 0;
    std::string m_lastSavedId;
    bool m_quit = false;
    bool m_reenrol = false;
    std::filesystem::path m_configFile;
    std::unique_ptr<sync::Uploader> m_uploader;
    std::uint64_t m_syncGeneration = 0;
    std::string m_syncStartError;  ///< why an enrolled kiosk has no uploader: the error of Uploader::start
    std::unique_ptr<DoctorRun> m_checks;  ///< the admin's Check while it runs
    std::shared_ptr<Speaker> m_speaker;   ///< null: no Read aloud
    bool m_speakingAtTick = false;        ///< the speaker spoke at the last tick()
};

/// The hold thresholds of a kiosk config (hold_min_ms_per_answer, hold_min_seconds, hold_max_per_window,
/// hold_window_minutes).
[[nodiscard]] HoldRules holdRulesOf(const shared::KioskConfig& config);

struct SimulateOptions {
    long long count = 0;
    std::optional<unsigned> seed;  ///< none: a random one (printed at the end)
    std::string config;            ///< "" = shared::defaultConfigPath()
    bool printIds = false;         ///< "committed ID" once each response is durable
    bool intoProductionOutbox = false;
};

/// `svarboks simulate N [--seed S] [--config FILE] [--print-ids] [--into-production-outbox]`: N random valid
/// respondents through KioskApp, paced like people (never held by HoldRules). Refuses (2) a config that sends
/// its outbox to a central endpoint (endpoint_url or device_token set), since fake answers would be counted in
/// real reports, unless --into-production-outbox is given; then it warns on `err` and goes ahead.
[[nodiscard]] int simulateCommand(const SimulateOptions& options, std::ostream& out, std::ostream& err);

}  // namespace svarboks::client
