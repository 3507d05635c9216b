#include "svarboks/sync/uploader.hpp"

#include "svarboks/shared/hashing.hpp"
#include "svarboks/shared/sealing.hpp"
#include "svarboks/shared/files.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <exception>
#include <iomanip>
#include <random>
#include <sstream>
#include <system_error>

namespace svarboks::sync {

namespace fs = std::filesystem;
using nlohmann::json;
using shared::readSmallFile;
using shared::writeAtomically;
using namespace std::chrono_literals;

namespace {

constexpr const char* kStateFile = "sync-state.json";
constexpr const char* kSurveyCacheFile = "survey-cache.json";
constexpr std::string_view kStateFormat = "svarboks-sync-state";
constexpr std::string_view kCacheFormat = "svarboks-survey-cache";
constexpr std::uintmax_t kMaxStateBytes = 64 * 1024;
constexpr std::size_t kMaxReasonChars = 1000;
constexpr const char* kPausedReason = "the server refused the token (401); re-enrol";

// ---- small helpers ----

std::string clip(std::string text, std::size_t limit = kMaxReasonChars) {
    if (text.size() > limit) {
        text.resize(limit);
        // Do not leave half a UTF-8 sequence at the end.
        while (!text.empty() && (static_cast<unsigned char>(text.back()) & 0xC0) == 0x80) text.pop_back();
        if (!text.empty() && (static_cast<unsigned char>(text.back()) & 0x80) != 0) text.pop_back();
        text += "...";
    }
    return text;
}

std::string plural(std::int64_t count, const char* one, const char* many) {
    return std::to_string(count) + " " + (count == 1 ? one : many);
}

std::string isoUtc(WallTime time) {
    const std::time_t t = std::chrono::system_clock::to_time_t(time);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buffer;
}

std::optional<WallTime> parseIsoUtc(const json& value) {
    if (!value.is_string()) return std::nullopt;
    std::tm tm{};
    const std::string text = value.get<std::string>();
    std::istringstream in(text);
    in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%SZ");
    if (in.fail()) return std::nullopt;
    return std::chrono::system_clock::from_time_t(timegm(&tm));
}

json timeOrNull(const std::optional<WallTime>& time) { return time ? json(isoUtc(*time)) : json(nullptr); }

std::string isoDay(LocalDay day) {
    const std::chrono::year_month_day date(day);
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u", static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                  static_cast<unsigned>(date.day()));
    return buffer;
}

json dayOrNull(const std::optional<LocalDay>& day) { return day ? json(isoDay(*day)) : json(nullptr); }

// "2026-11-23"; a version 1 file's exact UTC time ("2026-11-23T14:05:00Z") is read as its local day, and the
// next write drops the time.
std::optional<LocalDay> parseDay(const json& value) {
    if (!value.is_string()) return std::nullopt;
    const std::string text = value.get<std::string>();
    if (text.size() > 10) {
        const auto time = parseIsoUtc(value);
        return time ? std::optional<LocalDay>(localDayOf(*time)) : std::nullopt;
    }
    int year = 0;
    unsigned month = 0;
    unsigned day = 0;
    char rest = 0;
    if (text.size() != 10 || std::sscanf(text.c_str(), "%4d-%2u-%2u%c", &year, &month, &day, &rest) != 3) return std::nullopt;
    const std::chrono::year_month_day date{std::chrono::year{year}, std::chrono::month{month}, std::chrono::day{day}};
    if (!date.ok()) return std::nullopt;
    return LocalDay(date);
}

std::string inWords(std::chrono::steady_clock::duration wait) {
    const auto secs = std::chrono::ceil<std::chrono::seconds>(wait).count();
    if (secs <= 0) return "a moment";
    if (secs < 60) return std::to_string(secs) + " s";
    if (secs < 90 * 60) return std::to_string((secs + 59) / 60) + " min";
    return std::to_string((secs + 1799) / 3600) + " h";
}

std::string tokenFingerprint(const std::string& token) { return token.empty() ? "" : shared::sha256Hex(token).substr(0, 16); }

struct PersistedState {
    SyncStatus status;
    std::string pausedToken;  ///< fingerprint of the token that was refused
};

shared::Result<PersistedState> readState(const fs::path& stateDir) {
    const fs::path file = stateDir / kStateFile;
    auto text = readSmallFile(file, kMaxStateBytes);
    if (!text) return text.error();
    PersistedState state;
    if (!text->has_value()) return state;
    const json doc = json::parse(**text, nullptr, false);
    if (!doc.is_object() || doc.value("format", json()) != kStateFormat) {
        return shared::Error{file.string() + ": not a sync state file; delete it and the next sync writes a new one"};
    }
    const auto string = [&](const char* key) { return doc.value(key, json()).is_string() ? doc[key].get<std::string>() : ""; };
    state.status.lastAttempt = parseDay(doc.value("last_attempt", json()));
    state.status.lastAttemptOk = doc.value("last_attempt_ok", json()).is_boolean() && doc["last_attempt_ok"].get<bool>();
    state.status.lastResult = string("last_result");
    state.status.lastSuccess = parseDay(doc.value("last_success", json()));
    state.status.pausedReason = string("paused_reason");
    state.status.surveyNote = string("survey_note");
    state.pausedToken = string("paused_token");
    if (!state.status.pausedReason.empty()) state.status.state = SyncStatus::State::Paused;
    return state;
}

std::string stateText(const SyncStatus& status, const std::string& pausedToken) {
    const json doc = {
        {"format", kStateFormat},
        {"version", 2},
        {"last_attempt", dayOrNull(status.lastAttempt)},
        {"last_attempt_ok", status.lastAttemptOk},
        {"last_result", status.lastResult},
        {"last_success", dayOrNull(status.lastSuccess)},
        {"paused_reason", status.pausedReason},
        {"paused_token", status.pausedReason.empty() ? "" : pausedToken},
        {"survey_note", status.surveyNote},
    };
    return doc.dump(2) + "\n";
}

struct CachedSurvey {
    shared::Survey survey;
    std::string etag;
};

std::optional<CachedSurvey> readSurveyCache(const fs::path& stateDir) {
    const fs::path file = stateDir / kSurveyCacheFile;
    auto text = readSmallFile(file, 4 * shared::kMaxSurveyBytes);
    if (!text || !text->has_value()) return std::nullopt;
    const json doc = json::parse(**text, nullptr, false);
    if (!doc.is_object() || doc.value("format", json()) != kCacheFormat || !doc.value("survey", json()).is_object()) {
        return std::nullopt;
    }
    auto loaded = shared::parseSurvey(doc["survey"].dump(), file.string());
    if (!loaded.ok()) return std::nullopt;
    const std::string etag = doc.value("etag", json()).is_string() ? doc["etag"].get<std::string>() : "";
    return CachedSurvey{std::move(*loaded.survey), etag};
}

std::string firstError(const shared::LoadResult& result) {
    for (const auto& d : result.diagnostics) {
        if (d.severity == shared::Diagnostic::Severity::Error) return d.format();
    }
    return "invalid";
}

// The server's {"error": "..."} when the body has one.
std::string serverError(const std::string& body) {
    const json doc = json::parse(body, nullptr, false);
    if (doc.is_object() && doc.value("error", json()).is_string()) return clip(doc["error"].get<std::string>(), 200);
    return "";
}

std::string serverSaid(const HttpResponse& response) {
    std::string text = "server said " + std::to_string(response.status);
    if (const auto error = serverError(response.body); !error.empty()) text += ": " + error;
    return text;
}

template <typename Body>
auto guarded(Body&& body, PassReport& report) -> void {
    try {
        body();
    } catch (const std::exception& e) {
        report.outcome = PassReport::Outcome::LocalError;
        report.message = std::string("unexpected error: ") + e.what();
    }
}

}  // namespace

// ---- backoff ----

std::chrono::milliseconds backoffCeiling(int failures) {
    const int doublings = std::clamp(failures - 1, 0, 20);
    const auto ceiling = std::chrono::milliseconds(kBackoffBase) * (std::int64_t{1} << doublings);
    return std::min<std::chrono::milliseconds>(ceiling, kBackoffCap);
}

std::chrono::milliseconds backoffDelay(int failures, double random01) {
    const double fraction = std::clamp(std::isfinite(random01) ? random01 : 0.0, 0.0, 1.0);
    const auto ceiling = backoffCeiling(failures);
    const auto drawn = std::chrono::milliseconds(static_cast<std::int64_t>(fraction * static_cast<double>(ceiling.count())));
    return std::clamp<std::chrono::milliseconds>(drawn, kBackoffFloor, ceiling);
}

std::optional<std::chrono::seconds> parseRetryAfter(std::string_view value) {
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
    if (value.empty() || value.size() > 12) return std::nullopt;
    std::int64_t seconds = 0;
    const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (error != std::errc() || end != value.data() + value.size() || seconds < 0) return std::nullopt;
    return std::min<std::chrono::seconds>(std::chrono::seconds(seconds), kMaxRetryAfter);
}

std::chrono::seconds drawSendDelay(std::chrono::minutes min, std::chrono::minutes max,
                                   const std::function<std::uint32_t(std::uint32_t)>& randomBelow) {
    const auto low = std::chrono::seconds(std::max<std::chrono::minutes>(min, 0min));
    const auto high = std::max<std::chrono::seconds>(low, max);
    const auto span = static_cast<std::uint32_t>(std::min<std::int64_t>((high - low).count(), 0x7FFFFFFF));
    if (span == 0 || !randomBelow) return low;
    return low + std::chrono::seconds(std::min(randomBelow(span + 1), span));
}

LocalDay localDayOf(WallTime time) {
    const std::time_t t = std::chrono::system_clock::to_time_t(time);
    std::tm tm{};
    localtime_r(&t, &tm);
    return LocalDay(std::chrono::year_month_day{std::chrono::year{tm.tm_year + 1900}, std::chrono::month{static_cast<unsigned>(tm.tm_mon + 1)},
                                                std::chrono::day{static_cast<unsigned>(tm.tm_mday)}});
}

SyncEnvironment SyncEnvironment::real(SyncEnvironment partial) {
    if (!partial.steadyNow) partial.steadyNow = [] { return std::chrono::steady_clock::now(); };
    if (!partial.wallNow) partial.wallNow = [] { return std::chrono::system_clock::now(); };
    if (!partial.random01) {
        auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
        partial.random01 = [engine] { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); };
    }
    // Not the seeded engine above: someone who could work out its seed must not be able to undo the delay.
    if (!partial.randomBelow) partial.randomBelow = [](std::uint32_t bound) { return shared::randomBelow(bound); };
    return partial;
}

// ---- status in words ----

std::string formatDay(LocalDay day, WallTime now) {
    const LocalDay today = localDayOf(now);
    if (day == today) return "today";
    if (day == today - std::chrono::days(1)) return "yesterday";
    return isoDay(day);
}

std::string describe(const SyncStatus& status, WallTime now) {
    using State = SyncStatus::State;
    std::string line;
    const std::string pending = std::to_string(status.pending) + " pending";
    switch (status.state) {
        case State::Paused: line = "paused: " + status.pausedReason + "; " + pending; break;
        case State::Sending: line = "sending now, " + pending; break;
        case State::Waiting:
            line = "waiting: next try in " + (status.nextAttempt ? inWords(*status.nextAttempt - now) : std::string("a moment")) +
                   " (" + status.waitReason + "); " + pending;
            break;
        case State::Idle:
            if (status.lastAttempt && !status.lastAttemptOk && !status.lastResult.empty()) {
                line = "last attempt " + formatDay(*status.lastAttempt, now) + " failed (" + status.lastResult + "), ";
                line += status.lastSuccess ? "last success " + formatDay(*status.lastSuccess, now) : std::string("never synced yet");
            } else if (status.lastSuccess) {
                line = "last success " + formatDay(*status.lastSuccess, now);
            } else {
                line = "never synced yet";
            }
            line += ", " + pending;
            if (status.pending > 0 && status.plannedSend) line += ", sent in " + inWords(*status.plannedSend - now) + " (send schedule)";
            break;
    }
    if (status.quarantined > 0) line += ", " + std::to_string(status.quarantined) + " in quarantine";
    if (status.held > 0) line += ", " + std::to_string(status.held) + " held";
    if (!status.surveyNote.empty()) line += "; " + status.surveyNote;
    if (!status.localError.empty()) line += "; " + status.localError;
    return line;
}

json toJson(const SyncStatus& status) {
    static constexpr const char* kStates[] = {"idle", "sending", "waiting", "paused"};
    return {
        {"state", kStates[static_cast<int>(status.state)]},
        {"pending", status.pending},
        {"quarantined", status.quarantined},
        {"held", status.held},
        {"last_attempt", dayOrNull(status.lastAttempt)},
        {"last_attempt_ok", status.lastAttemptOk},
        {"last_result", status.lastResult},
        {"last_success", dayOrNull(status.lastSuccess)},
        {"next_attempt", timeOrNull(status.nextAttempt)},
        {"wait_reason", status.waitReason},
        {"paused_reason", status.pausedReason},
        {"survey_note", status.surveyNote},
        {"local_error", status.localError},
    };
}

fs::path syncStateDir(const shared::KioskConfig& config) {
    const fs::path outbox(config.outboxFile);
    return outbox.has_parent_path() ? outbox.parent_path() : fs::path(".");
}

shared::Result<SyncStatus> loadSyncState(const fs::path& stateDir, const std::string& deviceToken) {
    auto state = readState(stateDir);
    if (!state) return state.error();
    if (state->pausedToken != tokenFingerprint(deviceToken)) {
        state->status.pausedReason.clear();
        state->status.state = SyncStatus::State::Idle;
    }
    return state->status;
}

std::optional<shared::Survey> loadCachedSurvey(const fs::path& stateDir) {
    auto cached = readSurveyCache(stateDir);
    if (!cached) return std::nullopt;
    return std::move(cached->survey);
}

shared::Status forgetCachedSurvey(const fs::path& stateDir) {
    std::error_code ec;
    fs::remove(stateDir / kSurveyCacheFile, ec);
    if (ec) {
        return shared::Error{(stateDir / kSurveyCacheFile).string() + ": cannot delete the survey of the earlier enrolment: " + ec.message()};
    }
    return {};
}

// ---- SyncSession ----

struct SyncSession::Impl {
    UploaderOptions options;
    SyncEnvironment env;
    fs::path stateDir;
    std::optional<Outbox> outbox;
    std::optional<HttpClient> http;
    std::string token;
    std::string tokenFingerprint;
    std::string pausedToken;
    std::string surveyEtag;      ///< of the survey in survey-cache.json
    std::string surveySha256;    ///< definition hash of the newest valid survey known
    std::string refusedEtag;     ///< of an invalid survey the server keeps offering
    std::shared_ptr<const shared::Survey> newSurvey;
    std::optional<shared::BatchRequest> unacknowledged;  ///< resent with the same batch_id if nothing changed
    std::function<bool()> cancelled;
    std::function<void(const SyncStatus&)> listener;
    std::string persisted;  ///< what sync-state.json holds now

    [[nodiscard]] bool isCancelled() const { return cancelled && cancelled(); }
    [[nodiscard]] std::chrono::seconds interval() const {
        return std::chrono::seconds(std::max(1, options.config.syncIntervalSeconds));
    }
};

SyncSession::SyncSession(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
SyncSession::~SyncSession() = default;

shared::Result<std::unique_ptr<SyncSession>> SyncSession::open(UploaderOptions options, SyncEnvironment env) {
    const auto& config = options.config;
    if (config.endpointUrl.empty()) {
        return shared::Error{"endpoint_url is not set: enrol the kiosk first (svarboks enroll CODE --endpoint URL)"};
    }
    if (config.deviceToken.empty()) {
        return shared::Error{"device_token is not set: enrol the kiosk first (svarboks enroll CODE --endpoint URL)"};
    }
    auto impl = std::make_unique<Impl>();
    impl->env = SyncEnvironment::real(std::move(env));
    impl->stateDir = options.stateDir.empty() ? syncStateDir(config) : options.stateDir;
    impl->token = config.deviceToken;
    impl->tokenFingerprint = tokenFingerprint(config.deviceToken);
    auto outbox = Outbox::open(config.outboxFile);
    if (!outbox) return outbox.error();
    impl->outbox.emplace(std::move(outbox).value());

    HttpOptions http;
    http.caFile = config.caFile;
    http.pinnedPublicKey = config.pinnedPublicKey;
    http.proxy = config.proxy;
    http.connectTimeout = options.connectTimeout;
    http.totalTimeout = options.totalTimeout;
    http.maxReplyBytes = 2 * shared::kMaxSurveyBytes + 64 * 1024;
    Impl* raw = impl.get();
    http.cancelled = [raw] { return raw->isCancelled(); };
    auto client = HttpClient::create(std::move(http));
    if (!client) return client.error();
    impl->http.emplace(std::move(client).value());
    impl->options = std::move(options);

    auto session = std::unique_ptr<SyncSession>(new SyncSession(std::move(impl)));
    Impl& self = *session->m_impl;
    session->m_batchLimit = std::clamp<std::size_t>(self.options.maxBatchResponses, 1, shared::kMaxBatchResponses);
    session->m_nextTimer = self.env.steadyNow();
    // A damaged state file only loses the history shown to the admin; syncing goes on.
    if (auto state = readState(self.stateDir)) {
        session->m_status = state->status;
        if (state->pausedToken != self.tokenFingerprint) {
            session->m_status.pausedReason.clear();  // a new enrolment: the refusal was for another token
            session->m_status.state = SyncStatus::State::Idle;
        }
        self.pausedToken = state->pausedToken;
    } else {
        session->m_status.localError = state.error().message;
    }
    if (auto cached = readSurveyCache(self.stateDir)) {
        self.surveyEtag = cached->etag;
        self.surveySha256 = cached->survey.definitionSha256;
    }
    if (auto counts = self.outbox->counts()) {
        session->m_status.pending = counts->pending;
        session->m_status.quarantined = counts->quarantined;
        session->m_status.held = counts->held;
        if (counts->pending > 0) session->responsesCommitted();
    }
    return session;
}

void SyncSession::responsesCommitted() {
    Impl& self = *m_impl;
    const SteadyTime now = self.env.steadyNow();
    // A send already planned for later takes these along; one that is due or past (a backlog waiting for
    // its backoff) is planned again, so that no automatic send follows a commit closely.
    if (m_sendAt && *m_sendAt > now) return;
    const auto& config = self.options.config;
    m_sendAt = now + drawSendDelay(std::chrono::minutes(config.sendDelayMinMinutes), std::chrono::minutes(config.sendDelayMaxMinutes),
                                   self.env.randomBelow);
    publish();
}

bool SyncSession::sendDue(SteadyTime now) {
    auto counts = m_impl->outbox->counts();
    if (!counts || counts->pending == 0) return true;  // nothing to send (or deliver() reports the outbox error)
    if (!m_sendAt) responsesCommitted();  // pending without a plan: another program added them
    return now >= *m_sendAt;
}

std::optional<SteadyTime> SyncSession::nextAutomaticPass() const {
    if (paused()) return std::nullopt;
    if (m_backoffUntil) return m_sendAt ? std::max(*m_backoffUntil, *m_sendAt) : *m_backoffUntil;
    return m_sendAt ? std::min(m_nextTimer, *m_sendAt) : m_nextTimer;
}

bool SyncSession::backingOff(SteadyTime now) const { return m_backoffUntil && now < *m_backoffUntil; }

std::shared_ptr<const shared::Survey> SyncSession::takeSurvey() { return std::exchange(m_impl->newSurvey, nullptr); }

void SyncSession::setCancelCheck(std::function<bool()> cancelled) { m_impl->cancelled = std::move(cancelled); }

void SyncSession::setStatusListener(std::function<void(const SyncStatus&)> listener) { m_impl->listener = std::move(listener); }

void SyncSession::publish() {
    Impl& self = *m_impl;
    const auto wallOf = [&](SteadyTime at) {
        const auto wait = std::max(at - self.env.steadyNow(), std::chrono::steady_clock::duration::zero());
        return self.env.wallNow() + std::chrono::duration_cast<std::chrono::system_clock::duration>(wait);
    };
    if (const auto next = nextAutomaticPass(); next && m_status.state != SyncStatus::State::Sending) {
        m_status.nextAttempt = wallOf(*next);
    } else {
        m_status.nextAttempt.reset();
    }
    m_status.plannedSend = m_sendAt && !paused() ? std::optional<WallTime>(wallOf(*m_sendAt)) : std::nullopt;
    if (self.listener) self.listener(m_status);
}

void SyncSession::persist() {
    Impl& self = *m_impl;
    std::string text = stateText(m_status, paused() ? self.tokenFingerprint : "");
    if (text == self.persisted) return;  // a pass that changed nothing costs no fsync
    if (auto saved = writeAtomically(self.stateDir / kStateFile, text); !saved) {
        m_status.localError = saved.message();
        return;
    }
    self.persisted = std::move(text);
    if (m_status.localError.rfind((self.stateDir / kStateFile).string(), 0) == 0) m_status.localError.clear();
}

void SyncSession::fail(PassReport& report, PassReport::Outcome outcome, std::string reason,
                       std::optional<std::chrono::seconds> retryAfter) {
    Impl& self = *m_impl;
    ++m_failures;
    const std::chrono::milliseconds delay =
        retryAfter ? std::max<std::chrono::milliseconds>(*retryAfter, kBackoffFloor) : backoffDelay(m_failures, self.env.random01());
    m_backoffUntil = self.env.steadyNow() + delay;
    m_status.lastAttemptOk = false;
    m_status.lastResult = reason;
    m_status.waitReason = reason;
    report.outcome = outcome;
    report.message = std::move(reason);
}

void SyncSession::pause(PassReport& report, std::string reason) {
    m_backoffUntil.reset();
    m_status.lastAttemptOk = false;
    m_status.lastResult = "the server refused the token (401)";
    m_status.pausedReason = std::move(reason);
    report.outcome = PassReport::Outcome::Paused;
    report.message = m_status.pausedReason;
}

PassReport SyncSession::runPass(Trigger trigger) {
    Impl& self = *m_impl;
    PassReport report;
    const SteadyTime start = self.env.steadyNow();
    if (trigger == Trigger::Forced) {
        m_status.pausedReason.clear();
        m_backoffUntil.reset();
    } else if (paused()) {
        report.outcome = PassReport::Outcome::Paused;
        report.message = m_status.pausedReason;
        return report;
    } else if (backingOff(start)) {
        report.outcome = PassReport::Outcome::NotDelivered;
        report.message = "waiting for the backoff to end (" + m_status.waitReason + ")";
        return report;
    }
    m_backoffUntil.reset();
    const bool send = trigger == Trigger::Forced || sendDue(start);
    if (send) {
        m_status.state = SyncStatus::State::Sending;
        publish();
        guarded([&] { report = deliver(); }, report);
        if (report.outcome == PassReport::Outcome::Delivered) m_sendAt.reset();
    } else {
        report.outcome = PassReport::Outcome::Scheduled;
        report.message = "waiting for the send schedule";
    }
    if (report.outcome == PassReport::Outcome::LocalError && !m_backoffUntil) {
        fail(report, PassReport::Outcome::LocalError, report.message, std::nullopt);
    }
    if (report.outcome == PassReport::Outcome::LocalError) m_status.localError = report.message;
    const bool surveyDue = trigger == Trigger::Forced || !m_surveyCheckedAt || start - *m_surveyCheckedAt >= self.interval();
    const bool fine = report.outcome == PassReport::Outcome::Delivered || report.outcome == PassReport::Outcome::Scheduled;
    if (self.options.checkSurvey && surveyDue && fine) {
        m_surveyCheckedAt = start;
        guarded([&] { checkSurvey(report); }, report);
    }
    if (fine) m_nextTimer = self.env.steadyNow() + self.interval();

    if (auto counts = self.outbox->counts()) {
        m_status.pending = counts->pending;
        m_status.quarantined = counts->quarantined;
        m_status.held = counts->held;
    }
    if (paused()) {
        m_status.state = SyncStatus::State::Paused;
    } else if (m_backoffUntil) {
        m_status.state = SyncStatus::State::Waiting;
    } else {
        m_status.state = SyncStatus::State::Idle;
        m_status.waitReason.clear();
    }
    if (report.outcome != PassReport::Outcome::Cancelled) persist();
    publish();
    return report;
}

PassReport SyncSession::deliver() {
    using Outcome = PassReport::Outcome;
    Impl& self = *m_impl;
    Outbox& outbox = *self.outbox;
    PassReport report;
    const auto localError = [&](const std::string& message) {
        report.outcome = Outcome::LocalError;
        report.message = message;
        return report;
    };
    const std::size_t maxBody = std::min(self.options.maxBodyBytes, shared::kMaxBodyBytes);
    const std::string url = joinUrl(self.options.config.endpointUrl, "/api/v1/batches");

    for (;;) {
        if (self.isCancelled()) {
            report.outcome = Outcome::Cancelled;
            report.message = "cancelled (the kiosk is stopping)";
            return report;
        }
        auto items = outbox.pending(m_batchLimit);
        if (!items) return localError(items.error().message);
        if (items->empty()) break;

        // As many of the oldest items as fit the byte limit; the JSON is measured exactly as it is sent.
        shared::BatchRequest batch;
        batch.batchId = shared::newUuidV4();
        std::size_t bodySize = shared::toJson(batch).dump().size();
        bool quarantinedOne = false;
        for (auto& item : *items) {
            shared::BatchItem wire{item.id, shared::toBase64(item.sealed)};
            const std::size_t itemSize = json{{"id", wire.id}, {"sealed", wire.sealed}}.dump().size() + (batch.responses.empty() ? 0 : 1);
            if (bodySize + itemSize > maxBody) {
                if (!batch.responses.empty()) break;
                const std::string reason = "too large to send: " + std::to_string(bodySize + itemSize) +
                                           " bytes in one response, over the protocol's limit of " + std::to_string(maxBody) +
                                           " bytes per batch";
                if (auto status = outbox.quarantine(item.id, reason); !status) return localError(status.message());
                ++report.quarantinedLocally;
                quarantinedOne = true;
                break;
            }
            bodySize += itemSize;
            batch.responses.push_back(std::move(wire));
        }
        if (quarantinedOne) continue;

        // The same items as an unacknowledged batch: send it again as it was (PROTOCOL.md: always safe).
        if (self.unacknowledged && self.unacknowledged->responses.size() == batch.responses.size() &&
            std::equal(batch.responses.begin(), batch.responses.end(), self.unacknowledged->responses.begin(),
                       [](const shared::BatchItem& a, const shared::BatchItem& b) { return a.id == b.id; })) {
            batch.batchId = self.unacknowledged->batchId;
        }
        self.unacknowledged = batch;

        std::vector<std::string> ids;
        ids.reserve(batch.responses.size());
        for (const auto& item : batch.responses) ids.push_back(item.id);
        if (auto status = outbox.countAttempt(ids); !status) return localError(status.message());

        HttpRequest request;
        request.method = "POST";
        request.url = url;
        request.bearerToken = self.token;
        request.body = shared::toJson(batch).dump();
        request.gzipBody = true;
        const HttpResponse response = self.http->perform(request);
        m_status.lastAttempt = localDayOf(self.env.wallNow());

        if (!response.ok()) {
            if (response.failure == HttpResponse::Failure::Cancelled) {
                report.outcome = Outcome::Cancelled;
                report.message = response.error;
                return report;
            }
            fail(report, Outcome::NotDelivered, response.error, std::nullopt);
            return report;
        }
        const long status = response.status;
        if (status == 200) {
            const json body = json::parse(response.body, nullptr, false);
            if (body.is_discarded()) {
                fail(report, Outcome::NotDelivered, "a 200 reply that is not the server's (a captive portal or a proxy's page?)", std::nullopt);
                return report;
            }
            auto parsed = shared::batchResponseFromJson(body, batch);
            if (!parsed) {
                fail(report, Outcome::NotDelivered, "a 200 reply that does not confirm the batch: " + parsed.error().message, std::nullopt);
                return report;
            }
            std::vector<std::string> delivered;
            std::vector<const shared::BatchResult*> rejected;
            for (const auto& result : parsed->results) {
                switch (result.status) {
                    case shared::ItemStatus::Accepted: ++report.accepted; delivered.push_back(result.id); break;
                    case shared::ItemStatus::Duplicate: ++report.duplicates; delivered.push_back(result.id); break;
                    case shared::ItemStatus::Rejected: rejected.push_back(&result); break;
                }
            }
            if (auto removed = outbox.remove(delivered); !removed) return localError(removed.message());
            for (const auto* result : rejected) {
                if (auto moved = outbox.quarantine(result->id, "rejected by the server: " + clip(result->error)); !moved) {
                    return localError(moved.message());
                }
                ++report.rejected;
            }
            ++report.batches;
            self.unacknowledged.reset();
            m_failures = 0;
            m_status.lastAttemptOk = true;
            m_status.lastSuccess = m_status.lastAttempt;
            m_status.localError.clear();
            if (auto counts = outbox.counts()) {
                m_status.pending = counts->pending;
                m_status.quarantined = counts->quarantined;
                m_status.held = counts->held;
            }
            publish();
            continue;
        }
        if (status == 401) {
            pause(report, kPausedReason);
            return report;
        }
        if (status == 413) {
            self.unacknowledged.reset();
            if (batch.responses.size() > 1) {
                m_batchLimit = std::max<std::size_t>(1, batch.responses.size() / 2);
                continue;
            }
            const std::string reason = "too large for the server (413), even alone";
            if (auto moved = outbox.quarantine(batch.responses.front().id, reason); !moved) return localError(moved.message());
            ++report.quarantinedLocally;
            // That one response explains the 413s: the next batches may be full-sized again.
            m_batchLimit = std::clamp<std::size_t>(self.options.maxBatchResponses, 1, shared::kMaxBatchResponses);
            continue;
        }
        if (status == 429 || status == 503) {
            const auto retryAfter = parseRetryAfter(response.header("retry-after").value_or(""));
            std::string reason = "server said " + std::to_string(status);
            fail(report, Outcome::RetryLater, reason, retryAfter);
            return report;
        }
        fail(report, Outcome::NotDelivered, serverSaid(response), std::nullopt);
        return report;
    }

    report.outcome = Outcome::Delivered;
    if (report.batches > 0) {
        const auto delivered = report.accepted + report.duplicates;
        std::string summary = report.rejected == 0
                                  ? "delivered " + std::to_string(delivered) + " (" + std::to_string(report.accepted) + " accepted, " +
                                        std::to_string(report.duplicates) + " duplicate)"
                                  : "sent " + std::to_string(delivered + report.rejected) + ": " + std::to_string(report.accepted) +
                                        " accepted, " + std::to_string(report.duplicates) + " duplicate, " +
                                        std::to_string(report.rejected) + " rejected into quarantine";
        m_status.lastResult = summary;
        report.message = summary;
    } else {
        report.message = "nothing to send";
    }
    if (report.quarantinedLocally > 0) {
        report.message += ", " + plural(report.quarantinedLocally, "response", "responses") + " too large into quarantine";
        m_status.lastResult = report.message;
    }
    return report;
}

void SyncSession::checkSurvey(PassReport& report) {
    Impl& self = *m_impl;
    HttpRequest request;
    request.url = joinUrl(self.options.config.endpointUrl, "/api/v1/survey");
    request.bearerToken = self.token;
    const std::string& etag = self.refusedEtag.empty() ? self.surveyEtag : self.refusedEtag;
    if (!etag.empty()) request.headers.emplace_back("If-None-Match", etag);
    const HttpResponse response = self.http->perform(request);
    m_status.lastAttempt = localDayOf(self.env.wallNow());
    const bool sentBatches = report.batches > 0;
    const auto answered = [&](const std::string& result) {
        m_status.lastAttemptOk = true;
        m_status.lastSuccess = m_status.lastAttempt;
        if (!sentBatches) m_status.lastResult = result;
    };

    if (!response.ok()) {
        if (response.failure == HttpResponse::Failure::Cancelled) {
            report.outcome = PassReport::Outcome::Cancelled;
            return;
        }
        // Nothing waits on the survey; with responses pending, the next pass retries both.
        m_status.lastAttemptOk = false;
        m_status.lastResult = "survey check: " + response.error;
        return;
    }
    switch (response.status) {
        case 304:
            if (self.refusedEtag.empty()) m_status.surveyNote.clear();
            answered("survey up to date");
            return;
        case 401: pause(report, kPausedReason); return;
        case 404:
            m_status.surveyNote = "the server has no survey for this unit; the kiosk keeps its own";
            answered("no survey assigned on the server");
            return;
        case 200: break;
        default:
            m_status.lastAttemptOk = false;
            m_status.lastResult = "survey check: " + serverSaid(response);
            return;
    }
    answered("survey checked");
    const std::string newEtag = response.header("etag").value_or("");
    const auto refuse = [&](const std::string& why) {
        m_status.surveyNote = "survey update refused, keeping the current one: " + clip(why, 300);
        self.refusedEtag = newEtag;
    };
    auto reply = shared::surveyResponseFromJson(json::parse(response.body, nullptr, false));
    if (!reply) {
        refuse(reply.error().message);
        return;
    }
    auto loaded = shared::parseSurvey(reply->survey.dump(), "survey from the server");
    if (!loaded.ok()) {
        refuse(firstError(loaded));
        return;
    }
    self.refusedEtag.clear();
    m_status.surveyNote.clear();
    const std::string& publicKey = reply->publicKey;
    if (!publicKey.empty() && publicKey != self.options.config.centralPublicKey) {
        m_status.surveyNote = "the server's public key differs from central_public_key in the config; new responses may be "
                              "rejected: re-enrol the kiosk";
    }
    const json cache = {{"format", kCacheFormat}, {"version", 1}, {"etag", newEtag}, {"public_key", publicKey}, {"survey", reply->survey}};
    if (auto saved = writeAtomically(self.stateDir / kSurveyCacheFile, cache.dump() + "\n"); saved) {
        self.surveyEtag = newEtag;
    } else {
        m_status.localError = saved.message();
    }
    if (loaded.survey->definitionSha256 == self.surveySha256) return;  // the survey the kiosk already has
    self.surveySha256 = loaded.survey->definitionSha256;
    m_status.lastResult = (sentBatches ? m_status.lastResult + "; " : std::string()) + "new survey " + loaded.survey->id + " " +
                          loaded.survey->version;
    self.newSurvey = std::make_shared<const shared::Survey>(std::move(*loaded.survey));
}

// ---- Uploader ----

Uploader::Uploader(std::unique_ptr<SyncSession> session, std::function<SteadyTime()> steadyNow)
    : m_session(std::move(session)), m_steadyNow(std::move(steadyNow)) {
    m_status = m_session->status();
}

Uploader::~Uploader() {
    m_stop.request_stop();  // wakes the wait (condition_variable_any with a stop token) and aborts a transfer
    if (m_thread.joinable()) m_thread.join();
}

shared::Result<std::unique_ptr<Uploader>> Uploader::start(UploaderOptions options, SyncEnvironment env) {
    env = SyncEnvironment::real(std::move(env));
    auto steadyNow = env.steadyNow;
    auto session = SyncSession::open(std::move(options), std::move(env));
    if (!session) return session.error();
    auto uploader = std::unique_ptr<Uploader>(new Uploader(std::move(session).value(), std::move(steadyNow)));
    Uploader* self = uploader.get();
    const std::stop_token token = self->m_stop.get_token();
    self->m_session->setStatusListener([self](const SyncStatus& status) { self->publish(status); });
    self->m_session->setCancelCheck([token] { return token.stop_requested(); });
    self->m_thread = std::thread([self, token] { self->run(token); });
    return uploader;
}

void Uploader::notify() {
    {
        std::lock_guard lock(m_mutex);
        m_notified = true;
    }
    m_wake.notify_one();
}

void Uploader::syncNow() {
    {
        std::lock_guard lock(m_mutex);
        m_forced = true;
    }
    m_wake.notify_one();
}

SyncStatus Uploader::snapshot() const {
    std::lock_guard lock(m_mutex);
    return m_status;
}

std::shared_ptr<const shared::Survey> Uploader::takeSurvey() {
    std::lock_guard lock(m_mutex);
    return std::exchange(m_survey, nullptr);
}

void Uploader::publish(const SyncStatus& status) {
    {
        std::lock_guard lock(m_mutex);
        m_status = status;
    }
    m_generation.fetch_add(1, std::memory_order_acq_rel);
}

void Uploader::run(std::stop_token stop) {
    SyncSession& session = *m_session;
    std::unique_lock lock(m_mutex);
    while (!stop.stop_requested()) {
        const SteadyTime now = m_steadyNow();
        // A new response is sent on the schedule, not now; paused or backing off, it waits its turn too.
        // Unlocked: the session publishes its new plan through publish(), which takes the mutex.
        if (std::exchange(m_notified, false)) {
            lock.unlock();
            session.responsesCommitted();
            lock.lock();
            continue;
        }
        const auto next = session.nextAutomaticPass();
        const bool due = m_forced || (next && now >= *next);
        if (due) {
            const auto trigger = m_forced ? SyncSession::Trigger::Forced : SyncSession::Trigger::Automatic;
            m_forced = false;
            lock.unlock();
            bool threw = false;
            try {
                (void)session.runPass(trigger);
            } catch (const std::exception&) {
                threw = true;  // runPass handles its own errors; this keeps an allocation failure inside the thread
            }
            auto survey = session.takeSurvey();
            lock.lock();
            if (threw) m_wake.wait_for(lock, stop, std::chrono::seconds(30), [this] { return m_forced; });
            if (survey) {
                m_survey = std::move(survey);
                m_generation.fetch_add(1, std::memory_order_acq_rel);
            }
            continue;
        }
        const auto wake = [this] { return m_forced || m_notified; };
        if (next) {
            m_wake.wait_for(lock, stop, *next - now, wake);
        } else {
            m_wake.wait(lock, stop, wake);
        }
    }
}

}  // namespace svarboks::sync
