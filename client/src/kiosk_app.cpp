#include "svarboks/client/kiosk_app.hpp"

#include "svarboks/client/pin_lock_file.hpp"
#include "svarboks/client/speech.hpp"
#include "svarboks/client/sync_texts.hpp"
#include "svarboks/shared/period.hpp"
#include "svarboks/sync/sync_state.hpp"
#include "svarboks/sync/uploader.hpp"

#include <cstdio>
#include <iostream>
#include <random>
#include <unistd.h>

namespace svarboks::client {

namespace {

using namespace std::chrono_literals;
constexpr auto kSaveRetry = 5s;
// With an uploader, tick() looks at its mailbox and status this often: every second while the admin screen
// shows the sync state, else once a minute so that a new survey reaches the welcome screen untouched.
constexpr auto kAdminSyncRefresh = 1s;
constexpr auto kSurveyPoll = 60s;
// On the not-ready screen the survey is taken as soon as the uploader has it.
constexpr auto kNotReadyPoll = 2s;
// While the admin's Check runs, tick() looks for its lines this often.
constexpr auto kChecksPoll = 200ms;
// Each network request of the Check: its two requests take at most twice this.
constexpr auto kCheckTimeout = 4s;
// While Read aloud speaks, tick() looks this often whether it has finished (the button turns back from Stop).
constexpr auto kSpeechPoll = 250ms;

std::string humanBytes(std::uintmax_t bytes) {
    char buffer[32];
    const double gb = static_cast<double>(bytes) / 1e9;
    if (gb >= 1) std::snprintf(buffer, sizeof buffer, "%.1f GB", gb);
    else std::snprintf(buffer, sizeof buffer, "%.0f MB", static_cast<double>(bytes) / 1e6);
    return buffer;
}

KioskTimings timingsOf(const shared::KioskConfig& config) {
    KioskTimings timings;
    timings.idleTimeout = std::chrono::seconds(config.idleTimeoutSeconds);
    timings.idleWarning = std::chrono::seconds(config.idleWarningSeconds);
    timings.profileTimeout = std::chrono::seconds(config.profileTimeoutSeconds);
    return timings;
}

}  // namespace

HoldRules holdRulesOf(const shared::KioskConfig& config) {
    HoldRules rules;
    rules.minPerAnswer = std::chrono::milliseconds(config.holdMinMsPerAnswer);
    rules.minTotal = std::chrono::seconds(config.holdMinSeconds);
    rules.maxPerWindow = config.holdMaxPerWindow;
    rules.window = std::chrono::minutes(config.holdWindowMinutes);
    return rules;
}

// ---- OutboxStore ----

OutboxStore::OutboxStore(sync::Outbox outbox, shared::PublicKey centralKey, std::string exportHeader)
    : m_outbox(std::move(outbox)), m_centralKey(centralKey), m_exportHeader(std::move(exportHeader)) {}

shared::Result<std::string> OutboxStore::save(const shared::ResponsePayload& payload, bool held) {
    const std::string sealed = shared::seal(shared::toJson(payload).dump(), m_centralKey);
    std::string id = shared::newUuidV4();
    if (auto status = m_outbox.add(id, sealed, held); !status.ok()) return shared::Error{status.message()};
    return id;
}

shared::Result<sync::OutboxCounts> OutboxStore::counts() { return m_outbox.counts(); }

shared::Result<std::int64_t> OutboxStore::releaseHeld() { return m_outbox.releaseHeld(); }

shared::Result<std::int64_t> OutboxStore::deleteHeld() { return m_outbox.deleteHeld(); }

shared::Result<std::int64_t> OutboxStore::exportTo(const std::filesystem::path& file) { return m_outbox.exportTo(file, m_exportHeader); }

shared::Result<std::int64_t> OutboxStore::retryQuarantined() { return m_outbox.retryQuarantined(); }

// ---- KioskApp ----

shared::Result<std::unique_ptr<KioskApp>> KioskApp::create(const shared::KioskConfig& config, bool startUploader,
                                                           std::filesystem::path configFile) {
    if (!shared::sodiumInit()) return shared::Error{"libsodium cannot be initialised"};
    const bool enrolled = !config.endpointUrl.empty() && !config.deviceToken.empty();
    // An enrolled kiosk shows only what its endpoint assigned to its unit: answers to any other survey would
    // be rejected by the server.
    std::optional<shared::Survey> survey;
    if (enrolled) survey = sync::loadCachedSurvey(sync::syncStateDir(config));
    if (!enrolled) {
        auto loaded = shared::loadSurveyFile(config.surveyFile);
        if (!loaded.ok()) {
            std::string message = "the survey cannot be used:";
            for (const auto& d : loaded.diagnostics) {
                if (d.severity == shared::Diagnostic::Severity::Error) message += "\n" + d.format();
            }
            return shared::Error{message};
        }
        survey = std::move(loaded.survey);
    }
    auto texts = loadKioskTexts();
    if (!texts) return texts.error();
    if (config.centralPublicKey.empty()) {
        return shared::Error{"central_public_key is not set: the kiosk cannot seal responses. Enrol the kiosk "
                             "(svarboks enroll) or set it with svarboks config init --public-key"};
    }
    auto key = shared::parsePublicKey(config.centralPublicKey);
    if (!key) return shared::Error{"central_public_key: " + key.error().message};
    auto outbox = sync::Outbox::open(config.outboxFile);
    if (!outbox) return outbox.error();
    const nlohmann::json header = {{"device_id", config.deviceId}, {"unit", config.unitName}};
    auto store = std::make_unique<OutboxStore>(std::move(outbox).value(), *key, header.dump());
    const std::string pinHash = config.pinHash;
    auto checkPin = [pinHash](std::string_view pin) { return !pinHash.empty() && shared::verifyPin(pin, pinHash); };
    auto pinStore = std::make_unique<PinLockFile>(sync::syncStateDir(config) / "pin-lock.json", timingsOf(config));
    auto app = std::make_unique<KioskApp>(config, survey ? std::make_shared<const shared::Survey>(std::move(*survey)) : nullptr,
                                          std::move(texts).value(), std::move(store), std::move(checkPin), std::move(pinStore));
    app->m_configFile = std::move(configFile);
    if (enrolled && startUploader) {
        sync::UploaderOptions options;
        options.config = config;
        if (auto uploader = sync::Uploader::start(std::move(options))) {
            app->attachUploader(std::move(uploader).value());
        } else {
            app->m_syncStartError = uploader.error().message;
        }
    }
    return app;
}

KioskApp::KioskApp(shared::KioskConfig config, std::shared_ptr<const shared::Survey> survey, UiTexts texts,
                   std::unique_ptr<ResponseStore> store, std::function<bool(std::string_view)> checkPin,
                   std::unique_ptr<PinLockStore> pinStore)
    : m_config(std::move(config)),
      m_texts(std::move(texts)),
      m_store(std::move(store)),
      m_model(std::move(survey), timingsOf(m_config), std::move(checkPin), holdRulesOf(m_config), std::move(pinStore),
              m_config.defaultLocale) {
    m_admin.unit = m_config.unitName;
    m_admin.appVersion = SVARBOKS_VERSION;
}

KioskApp::~KioskApp() {
    if (m_speaker) m_speaker->stop();
}

void KioskApp::attachUploader(std::unique_ptr<sync::Uploader> uploader) { m_uploader = std::move(uploader); }

void KioskApp::setSpeaker(std::shared_ptr<Speaker> speaker) {
    if (m_speaker) m_speaker->stop();
    m_speaker = m_config.readAloud ? std::move(speaker) : nullptr;
}

bool KioskApp::speaking() const { return m_speaker && m_speaker->speaking(); }

void KioskApp::handle(const Intent& intent, TimePoint now) {
    using K = Intent::Kind;
    // Any other tap (an answer, Next, Back, another language...) means the respondent has moved on.
    if (m_speaker && intent.kind != K::ReadAloud && intent.kind != K::Touch && intent.kind != K::None) m_speaker->stop();
    const Screen before = m_model.screen();
    carryOut(m_model.apply(intent, now), now);
    if (m_model.screen() == Screen::Admin && before != Screen::Admin) {
        if (!m_model.pinStoreError().empty()) m_admin.lastError = "the PIN lock is not stored: " + m_model.pinStoreError();
        refreshAdminStatus();
    }
}

void KioskApp::tick(TimePoint now) {
    const Screen before = m_model.screen();
    const std::size_t element = m_model.currentElement();
    if (speaking()) m_model.apply(Intent::of(Intent::Kind::Touch), now);  // listening is using the kiosk
    carryOut(m_model.tick(now), now);
    if (m_speaker && (m_model.screen() != before || m_model.currentElement() != element)) m_speaker->stop();  // a timeout moved on
    m_speakingAtTick = speaking();
    if (m_retryAt && now >= *m_retryAt && m_model.screen() == Screen::Saving) save(now);
    if (m_uploader) {
        // KioskModel::offerSurvey switches only on the welcome screen, never in the middle of a respondent.
        if (auto survey = m_uploader->takeSurvey();
            survey && (!m_model.hasSurvey() || survey->definitionSha256 != m_model.survey().definitionSha256)) {
            m_model.offerSurvey(std::move(survey), now);
        }
        const bool showsSync = m_model.screen() == Screen::Admin || m_model.screen() == Screen::NotReady;
        if (showsSync && m_uploader->generation() != m_syncGeneration) refreshAdminStatus();
    }
    if (m_model.screen() == Screen::Admin && before != Screen::Admin) refreshAdminStatus();
    if (m_checks) {
        if (auto lines = m_checks->result()) {
            m_admin.checks = std::move(*lines);
            m_admin.checking = false;
            m_checks.reset();
        }
    }
}

std::optional<TimePoint> KioskApp::nextDeadline(TimePoint now) const {
    auto deadline = m_model.nextDeadline(now);
    if (m_retryAt && m_model.screen() == Screen::Saving && (!deadline || *m_retryAt < *deadline)) deadline = m_retryAt;
    if (m_checks && (!deadline || now + kChecksPoll < *deadline)) deadline = now + kChecksPoll;
    // Once more after it has finished, so the frame drawn after that tick shows Read aloud again, not Stop.
    if ((speaking() || m_speakingAtTick) && (!deadline || now + kSpeechPoll < *deadline)) deadline = now + kSpeechPoll;
    if (m_uploader) {
        const auto every = m_model.screen() == Screen::Admin ? kAdminSyncRefresh : m_model.hasSurvey() ? kSurveyPoll : kNotReadyPoll;
        const TimePoint poll = now + every;
        if (!deadline || poll < *deadline) deadline = poll;
    }
    return deadline;
}

ScreenView KioskApp::view(TimePoint now) const {
    return makeScreenView(m_model, m_texts, m_admin, now, {m_speaker != nullptr && m_model.hasSurvey(), speaking()});
}

void KioskApp::carryOut(Effect effect, TimePoint now) {
    switch (effect) {
        case Effect::None: break;
        case Effect::SaveResponse: save(now); break;
        case Effect::Quit: m_quit = true; break;
        case Effect::ExportOutbox: {
            const auto week = shared::localIsoWeek(std::chrono::system_clock::now()).toString();
            const auto file = std::filesystem::path(m_config.outboxFile).parent_path() / ("svarboks-outbox-" + week + ".jsonl");
            if (auto count = m_store->exportTo(file)) {
                m_admin.notice = m_texts.get(m_model.locale(), "admin_export_done", {std::to_string(*count), file.string()});
            } else {
                m_admin.lastError = count.error().message;
                m_admin.notice.clear();
            }
            refreshAdminStatus();
            break;
        }
        case Effect::SyncNow:
            if (m_uploader) m_uploader->syncNow();
            refreshAdminStatus();
            break;
        case Effect::ReleaseHeld:
            if (auto released = m_store->releaseHeld()) {
                m_admin.notice = m_texts.get(m_model.locale(), "admin_held_released", {std::to_string(*released)});
                if (m_uploader) m_uploader->notify();
            } else {
                m_admin.lastError = released.error().message;
                m_admin.notice.clear();
            }
            refreshAdminStatus();
            break;
        case Effect::RetryQuarantined:
            if (auto moved = m_store->retryQuarantined()) {
                m_admin.notice = m_texts.get(m_model.locale(), "admin_quarantine_retried", {std::to_string(*moved)});
                if (m_uploader) m_uploader->notify();
            } else {
                m_admin.lastError = moved.error().message;
                m_admin.notice.clear();
            }
            refreshAdminStatus();
            break;
        case Effect::Reenrol: reenrol(); break;
        case Effect::RunChecks: runChecks(); break;
        case Effect::ReadAloud: readAloud(now); break;
        case Effect::ChangePin: changePin(); break;
        case Effect::DeleteHeld:
            if (auto deleted = m_store->deleteHeld()) {
                m_admin.notice = m_texts.get(m_model.locale(), "admin_held_deleted", {std::to_string(*deleted)});
            } else {
                m_admin.lastError = deleted.error().message;
                m_admin.notice.clear();
            }
            refreshAdminStatus();
            break;
    }
}

void KioskApp::save(TimePoint now) {
    const auto period = shared::localIsoWeek(std::chrono::system_clock::now()).toString();
    auto saved = m_store->save(m_model.completedResponse(period), m_model.completedResponseHeld());
    if (saved.ok()) {
        ++m_saved;
        m_lastSavedId = std::move(saved).value();
        m_admin.lastError.clear();
        m_retryAt.reset();
        m_model.saveSucceeded(now);
        if (m_uploader) m_uploader->notify();
        return;
    }
    m_admin.lastError = saved.error().message;
    m_retryAt = now + kSaveRetry;
    m_model.saveFailed(saved.error().message, now);
}

void KioskApp::refreshAdminStatus() {
    if (auto counts = m_store->counts()) {
        m_admin.pending = counts->pending;
        m_admin.quarantined = counts->quarantined;
        m_admin.held = counts->held;
    } else {
        m_admin.lastError = counts.error().message;
    }
    std::error_code ec;
    const auto space = std::filesystem::space(std::filesystem::absolute(m_config.outboxFile).parent_path(), ec);
    m_admin.freeDisk = ec ? "?" : humanBytes(space.available);
    if (m_uploader) {
        m_syncGeneration = m_uploader->generation();
        const sync::SyncStatus status = m_uploader->snapshot();
        m_admin.syncState = SyncTexts(m_texts, m_model.locale()).status(status, std::chrono::system_clock::now());
        m_admin.surveyWait = !status.lastAttempt ? SurveyWait::Trying : status.lastAttemptOk ? SurveyWait::NoneForUnit : SurveyWait::Unreachable;
    } else if (!m_syncStartError.empty()) {
        m_admin.syncState = m_texts.get(m_model.locale(), "sync_cannot_start", {m_syncStartError});
    } else if (!m_config.endpointUrl.empty() && m_config.deviceToken.empty()) {
        m_admin.syncState = m_texts.get(m_model.locale(), "sync_not_enrolled");
    } else {
        m_admin.syncState = m_config.endpointUrl.empty() ? "" : m_config.endpointUrl;
    }
}

// Answers waiting unsent are sealed to the key of the central endpoint the kiosk is enrolled with: after an
// enrolment with another one, nobody could read them. Quarantined ones were refused by the server already.
void KioskApp::reenrol() {
    auto counts = m_store->counts();
    if (!counts) {
        m_admin.lastError = counts.error().message;
    } else if (counts->pending + counts->held > 0) {
        m_admin.notice = m_texts.get(m_model.locale(), "admin_reenrol_refused", {std::to_string(counts->pending + counts->held)});
    } else {
        m_reenrol = true;
        return;
    }
    refreshAdminStatus();
}

void KioskApp::changePin() {
    const auto hash = shared::hashPin(m_model.takeNewPin());
    std::string problem;
    if (!hash) problem = hash.error().message;
    else if (m_configFile.empty()) problem = "the kiosk was started without a config file";
    else if (auto updated = shared::updateConfig(m_configFile, {{"pin_hash", *hash}}); !updated) problem = updated.error().message;
    if (problem.empty()) {
        const std::string newHash = *hash;
        m_model.setCheckPin([newHash](std::string_view entered) { return shared::verifyPin(entered, newHash); });
        m_admin.notice = m_texts.get(m_model.locale(), "admin_pin_changed");
    } else {
        m_admin.lastError = "the new PIN was not stored: " + problem;
        m_admin.notice = m_texts.get(m_model.locale(), "admin_pin_not_changed");
    }
    refreshAdminStatus();
}

void KioskApp::runChecks() {
    if (m_checks) return;  // one run at a time; its lines come soon
    DoctorOptions options;
    options.configFile = m_configFile;
    options.timeout = kCheckTimeout;
    m_admin.checks.clear();
    m_admin.checking = true;
    m_admin.checkSeconds = static_cast<int>(2 * std::chrono::duration_cast<std::chrono::seconds>(kCheckTimeout).count());
    m_checks = std::make_unique<DoctorRun>(std::move(options), m_texts, m_model.locale());
}

// Read aloud is a toggle: it says what the screen shows, in the respondent's language, or stops.
void KioskApp::readAloud(TimePoint now) {
    if (!m_speaker) return;
    if (m_speaker->speaking()) {
        m_speaker->stop();
        return;
    }
    m_speaker->say(Utterance{m_model.locale(), spokenParts(view(now))});
}

// ---- simulate ----

namespace {

// How fast the simulated people are: on the fake clock, slow enough that HoldRules never hold them, so
// that a test outbox holds what a real, unhurried unit would send.
struct Pace {
    Clock::duration tap;      ///< between two taps
    Clock::duration minTotal;  ///< from the consent to Finish, at least
    Clock::duration between;  ///< from one respondent's end to the next one's start
};

Pace paceFor(const HoldRules& rules) {
    Pace pace;
    pace.tap = std::max<Clock::duration>(2s, rules.minPerAnswer);  // each answer takes at least two taps
    pace.minTotal = rules.minTotal + 1s;
    pace.between = std::chrono::duration_cast<Clock::duration>(rules.window) / std::max(rules.maxPerWindow, 1) + 1s;
    return pace;
}

// Plays one respondent through the app, tapping what the views offer, with random valid answers.
bool playRespondent(KioskApp& app, std::mt19937& random, TimePoint& now, const Pace& pace) {
    using K = Intent::Kind;
    const auto tap = [&](const Intent& intent) {
        now += pace.tap;
        app.handle(intent, now);
    };
    tap(Intent::of(K::Start));
    tap(Intent::of(K::AcceptConsent));
    const TimePoint started = now;
    for (int steps = 0; steps < 2000 && app.model().screen() == Screen::Question; ++steps) {
        const auto view = std::get<QuestionView>(app.view(now).content);
        if (view.enabled) {
            std::vector<const ButtonView*> options;
            for (const auto& option : view.options) {
                if (option.enabled) options.push_back(&option);
            }
            const auto pick = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(random); };
            const bool skipOptional = view.next.enabled && random() % 5 == 0;
            if (view.layout == QuestionView::Layout::Number && !skipOptional) {
                const auto& element = app.model().survey().elements[app.model().currentElement()];
                const double low = element.min.value_or(0);
                const double high = element.max.value_or(low + 100);
                const auto value = static_cast<long long>(std::floor(low + (high - low) * std::uniform_real_distribution<double>(0, 1)(random)));
                for (char c : std::to_string(std::max<long long>(value, static_cast<long long>(std::ceil(low))))) {
                    tap(Intent::withText(K::Key, std::string(1, c)));
                }
            } else if (!options.empty() && !skipOptional) {
                const bool multi = options.front()->intent.kind == K::Toggle;
                const std::size_t taps = multi ? 1 + pick(std::min<std::size_t>(options.size(), 3)) : 1;
                for (std::size_t i = 0; i < taps; ++i) {
                    const auto current = std::get<QuestionView>(app.view(now).content);
                    std::vector<const ButtonView*> open;
                    for (const auto& option : current.options) {
                        if (option.enabled && !option.selected) open.push_back(&option);
                    }
                    if (open.empty()) break;
                    tap(open[pick(open.size())]->intent);
                }
            }
        }
        if (app.model().isLastScreen()) now = std::max(now, started + pace.minTotal);
        tap(Intent::of(K::Next));
    }
    if (app.model().screen() != Screen::Profile) return false;
    tap(Intent::of(K::ProfileDone));
    now += 10s;
    app.tick(now);
    now += pace.between;
    return app.model().screen() == Screen::Welcome;
}

}  // namespace

int simulateCommand(const SimulateOptions& options, std::ostream& out, std::ostream& err) {
    const long long count = options.count;
    const unsigned seed = options.seed.value_or(std::random_device{}());
    const std::filesystem::path configFile = options.config.empty() ? shared::defaultConfigPath() : std::filesystem::path(options.config);
    auto config = shared::loadConfig(configFile);
    if (!config) {
        err << config.error().message << "\n";
        return 2;
    }
    // Simulated answers in an outbox that reaches a central endpoint would be counted in real reports, and
    // nobody could tell them apart there.
    const bool production = !config->endpointUrl.empty() || !config->deviceToken.empty();
    if (production && !options.intoProductionOutbox) {
        err << "svarboks simulate: refusing to add simulated answers to " << config->outboxFile << ": " << configFile.string()
            << (config->deviceToken.empty() ? " is set up to send its outbox to " : " is enrolled and sends its outbox to ")
            << (config->endpointUrl.empty() ? std::string("a central endpoint") : config->endpointUrl)
            << ", so these fake answers would be counted in the unit's real reports.\n"
               "Use a separate config and outbox for testing (svarboks config init --config test-kiosk.json --public-key KEY, "
               "with no endpoint and no enrolment). If you really mean to add fake answers to this production outbox, "
               "add --into-production-outbox.\n";
        return 2;
    }
    if (production) {
        err << "svarboks simulate: WARNING: adding " << count << (count == 1 ? " simulated response" : " simulated responses")
            << " to the production outbox " << config->outboxFile
            << ": they will be sent to " << (config->endpointUrl.empty() ? std::string("the central endpoint") : config->endpointUrl)
            << " and counted in the unit's real reports, where nothing tells them apart from real answers.\n";
    }
    // simulate fills the outbox only; `svarboks sync` sends it.
    auto app = KioskApp::create(*config, false);
    if (!app) {
        err << configFile.string() << ": " << app.error().message << "\n";
        return 2;
    }
    if (!(*app)->model().hasSurvey()) {
        err << "svarboks simulate: " << configFile.string() << " is enrolled, but the kiosk does not have its unit's survey from "
            << config->endpointUrl << " yet, so nobody can answer; `svarboks sync` fetches it once the central team has published one\n";
        return 1;
    }
    std::mt19937 random(seed);
    TimePoint now = Clock::now();
    const Pace pace = paceFor(holdRulesOf(*config));
    const bool terminal = isatty(STDERR_FILENO) != 0;
    for (long long i = 0; i < count; ++i) {
        if (!playRespondent(**app, random, now, pace)) {
            err << "\nsvarboks simulate: respondent " << i + 1 << " could not finish: " << (*app)->adminStatus().lastError << "\n";
            return 1;
        }
        // Printed only after the commit returned: a crash test may rely on every printed id being durable.
        if (options.printIds) out << "committed " << (*app)->lastSavedId() << std::endl;
        if (terminal && ((i + 1) % 10 == 0 || i + 1 == count)) err << "\rsimulated " << i + 1 << " / " << count << std::flush;
    }
    if (terminal) err << "\n";
    out << "simulated " << (*app)->savedCount() << " responses into " << config->outboxFile << " (seed " << seed << ")\n";
    return 0;
}

}  // namespace svarboks::client
