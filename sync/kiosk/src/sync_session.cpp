#include "svarboks/sync/sync_session.hpp"

#include "svarboks/shared/sealing.hpp"
#include "svarboks/sync/batch_packing.hpp"
#include "svarboks/sync/http_client.hpp"
#include "svarboks/sync/outbox.hpp"
#include "svarboks/sync/sync_state.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <exception>
#include <random>

namespace svarboks::sync {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::size_t kMaxReasonChars = 1000;

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

SyncProblem serverSaid(const HttpResponse& response) {
    return {SyncProblem::Kind::ServerStatus, response.status, serverError(response.body)};
}

SyncProblem transportFailure(const HttpResponse& response) { return {SyncProblem::Kind::Transport, 0, response.error}; }

SyncProblem localProblem(std::string message) { return {SyncProblem::Kind::Local, 0, std::move(message)}; }

SyncResult sentResult(const Delivery& delivery) {
    SyncResult result;
    result.delivery = delivery;
    return result;
}

SyncResult surveyResult(SyncResult::Survey survey) {
    SyncResult result;
    result.survey = survey;
    return result;
}

SyncResult failedResult(SyncProblem problem, bool surveyCheck = false) {
    SyncResult result;
    result.problem = std::move(problem);
    result.surveyCheck = surveyCheck;
    return result;
}

template <typename Body>
auto guarded(Body&& body, PassReport& report) -> void {
    try {
        body();
    } catch (const std::exception& e) {
        report.outcome = PassReport::Outcome::LocalError;
        report.problem = localProblem(std::string("unexpected error: ") + e.what());
    }
}

}  // namespace

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
    std::optional<SyncStateFile> stateFile;

    [[nodiscard]] bool isCancelled() const { return cancelled && cancelled(); }
    [[nodiscard]] std::chrono::seconds interval() const {
        return std::chrono::seconds(std::max(1, options.config.syncIntervalSeconds));
    }
};

SyncSession::SyncSession(std::unique_ptr<Impl> impl, SteadyTime now) : m_impl(std::move(impl)), m_schedule(now) {}
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

    HttpOptions http = httpOptionsOf(config, options.connectTimeout, options.totalTimeout);
    http.maxReplyBytes = 2 * shared::kMaxSurveyBytes + 64 * 1024;
    Impl* raw = impl.get();
    http.cancelled = [raw] { return raw->isCancelled(); };
    auto client = HttpClient::create(std::move(http));
    if (!client) return client.error();
    impl->http.emplace(std::move(client).value());
    impl->options = std::move(options);

    impl->stateFile.emplace(impl->stateDir);

    const SteadyTime now = impl->env.steadyNow();
    auto session = std::unique_ptr<SyncSession>(new SyncSession(std::move(impl), now));
    Impl& self = *session->m_impl;
    session->m_batchLimit = std::clamp<std::size_t>(self.options.maxBatchResponses, 1, shared::kMaxBatchResponses);
    // A damaged state file only loses the history shown to the admin; syncing goes on.
    if (auto state = self.stateFile->read()) {
        session->m_status = state->status;
        if (state->pausedToken != self.tokenFingerprint) {
            session->m_status.paused = false;  // a new enrolment: the refusal was for another token
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
    if (!m_schedule.needsPlan(now)) return;
    const auto& config = self.options.config;
    m_schedule.planSend(now, drawSendDelay(std::chrono::minutes(config.sendDelayMinMinutes),
                                           std::chrono::minutes(config.sendDelayMaxMinutes), self.env.randomBelow));
    publish();
}

bool SyncSession::sendDue(SteadyTime now) {
    auto counts = m_impl->outbox->counts();
    if (!counts || counts->pending == 0) return true;  // nothing to send (or deliver() reports the outbox error)
    if (!m_schedule.plannedSend()) responsesCommitted();  // pending without a plan: another program added them
    return now >= *m_schedule.plannedSend();
}

std::optional<SteadyTime> SyncSession::nextAutomaticPass() const { return m_schedule.nextAutomaticPass(paused()); }

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
    const auto sendAt = m_schedule.plannedSend();
    m_status.plannedSend = sendAt && !paused() ? std::optional<WallTime>(wallOf(*sendAt)) : std::nullopt;
    if (self.listener) self.listener(m_status);
}

void SyncSession::persist() {
    Impl& self = *m_impl;
    if (auto saved = self.stateFile->write(m_status, paused() ? self.tokenFingerprint : ""); !saved) {
        m_status.localError = saved.message();
        return;
    }
    if (m_status.localError.rfind(self.stateFile->path().string(), 0) == 0) m_status.localError.clear();
}

void SyncSession::fail(PassReport& report, PassReport::Outcome outcome, SyncProblem problem,
                       std::optional<std::chrono::seconds> retryAfter) {
    Impl& self = *m_impl;
    m_schedule.failed(self.env.steadyNow(), retryAfter, retryAfter ? 0.0 : self.env.random01());
    m_status.lastAttemptOk = false;
    m_status.lastResult = failedResult(problem);
    m_status.waitReason = problem;
    report.outcome = outcome;
    report.problem = std::move(problem);
}

void SyncSession::pause(PassReport& report) {
    m_schedule.clearBackoff();
    m_status.lastAttemptOk = false;
    m_status.lastResult = failedResult({SyncProblem::Kind::TokenRefused, 401, ""});
    m_status.paused = true;
    report.outcome = PassReport::Outcome::Paused;
}

PassReport SyncSession::runPass(Trigger trigger) {
    Impl& self = *m_impl;
    PassReport report;
    const SteadyTime start = self.env.steadyNow();
    if (trigger == Trigger::Forced) {
        m_status.paused = false;
        m_schedule.clearBackoff();
    } else if (paused()) {
        report.outcome = PassReport::Outcome::Paused;
        return report;
    } else if (backingOff(start)) {
        report.outcome = PassReport::Outcome::NotDelivered;
        report.problem = m_status.waitReason;
        return report;
    }
    m_schedule.clearBackoff();
    const bool send = trigger == Trigger::Forced || sendDue(start);
    if (send) {
        m_status.state = SyncStatus::State::Sending;
        publish();
        guarded([&] { report = deliver(); }, report);
        if (report.outcome == PassReport::Outcome::Delivered) m_schedule.sent();
    } else {
        report.outcome = PassReport::Outcome::Scheduled;
    }
    if (report.outcome == PassReport::Outcome::LocalError && !m_schedule.hasBackoff()) {
        fail(report, PassReport::Outcome::LocalError, report.problem, std::nullopt);
    }
    if (report.outcome == PassReport::Outcome::LocalError) m_status.localError = report.problem.detail;
    const bool surveyDue = trigger == Trigger::Forced || !m_surveyCheckedAt || start - *m_surveyCheckedAt >= self.interval();
    const bool fine = report.outcome == PassReport::Outcome::Delivered || report.outcome == PassReport::Outcome::Scheduled;
    if (self.options.checkSurvey && surveyDue && fine) {
        m_surveyCheckedAt = start;
        guarded([&] { checkSurvey(report); }, report);
    }
    if (fine) m_schedule.restartTimer(self.env.steadyNow(), self.interval());

    if (auto counts = self.outbox->counts()) {
        m_status.pending = counts->pending;
        m_status.quarantined = counts->quarantined;
        m_status.held = counts->held;
    }
    if (paused()) {
        m_status.state = SyncStatus::State::Paused;
    } else if (m_schedule.hasBackoff()) {
        m_status.state = SyncStatus::State::Waiting;
    } else {
        m_status.state = SyncStatus::State::Idle;
        m_status.waitReason = {};
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
        report.problem = localProblem(message);
        return report;
    };
    const std::size_t maxBody = std::min(self.options.maxBodyBytes, shared::kMaxBodyBytes);
    const std::string url = joinUrl(self.options.config.endpointUrl, "/api/v1/batches");

    for (;;) {
        if (self.isCancelled()) {
            report.outcome = Outcome::Cancelled;
            return report;
        }
        auto items = outbox.pending(m_batchLimit);
        if (!items) return localError(items.error().message);
        if (items->empty()) break;

        PackedBatch packed = packBatch(*items, maxBody, shared::newUuidV4(), self.unacknowledged);
        if (packed.tooLarge) {
            const std::string reason = "too large to send: " + std::to_string(packed.tooLarge->bodyBytes) +
                                       " bytes in one response, over the protocol's limit of " + std::to_string(maxBody) +
                                       " bytes per batch";
            if (auto status = outbox.quarantine(packed.tooLarge->id, reason); !status) return localError(status.message());
            ++report.delivery.tooLarge;
            continue;
        }
        const shared::BatchRequest& batch = packed.batch;
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
                return report;
            }
            fail(report, Outcome::NotDelivered, transportFailure(response), std::nullopt);
            return report;
        }
        const long status = response.status;
        if (status == 200) {
            const json body = json::parse(response.body, nullptr, false);
            if (body.is_discarded()) {
                fail(report, Outcome::NotDelivered, {SyncProblem::Kind::NotTheServer, 200, ""}, std::nullopt);
                return report;
            }
            auto parsed = shared::batchResponseFromJson(body, batch);
            if (!parsed) {
                fail(report, Outcome::NotDelivered, {SyncProblem::Kind::Unconfirmed, 200, parsed.error().message}, std::nullopt);
                return report;
            }
            std::vector<std::string> delivered;
            std::vector<const shared::BatchResult*> rejected;
            for (const auto& result : parsed->results) {
                switch (result.status) {
                    case shared::ItemStatus::Accepted: ++report.delivery.accepted; delivered.push_back(result.id); break;
                    case shared::ItemStatus::Duplicate: ++report.delivery.duplicates; delivered.push_back(result.id); break;
                    case shared::ItemStatus::Rejected: rejected.push_back(&result); break;
                }
            }
            if (auto removed = outbox.remove(delivered); !removed) return localError(removed.message());
            for (const auto* result : rejected) {
                if (auto moved = outbox.quarantine(result->id, "rejected by the server: " + clip(result->error)); !moved) {
                    return localError(moved.message());
                }
                ++report.delivery.rejected;
            }
            ++report.delivery.batches;
            self.unacknowledged.reset();
            m_schedule.succeeded();
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
            pause(report);
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
            ++report.delivery.tooLarge;
            // That one response explains the 413s: the next batches may be full-sized again.
            m_batchLimit = std::clamp<std::size_t>(self.options.maxBatchResponses, 1, shared::kMaxBatchResponses);
            continue;
        }
        if (status == 429 || status == 503) {
            const auto retryAfter = parseRetryAfter(response.header("retry-after").value_or(""));
            fail(report, Outcome::RetryLater, {SyncProblem::Kind::ServerStatus, status, ""}, retryAfter);
            return report;
        }
        fail(report, Outcome::NotDelivered, serverSaid(response), std::nullopt);
        return report;
    }

    report.outcome = Outcome::Delivered;
    if (report.delivery.batches > 0 || report.delivery.tooLarge > 0) m_status.lastResult = sentResult(report.delivery);
    return report;
}

void SyncSession::checkSurvey(PassReport& report) {
    using Survey = SyncResult::Survey;
    Impl& self = *m_impl;
    HttpRequest request;
    request.url = joinUrl(self.options.config.endpointUrl, "/api/v1/survey");
    request.bearerToken = self.token;
    const std::string& etag = self.refusedEtag.empty() ? self.surveyEtag : self.refusedEtag;
    if (!etag.empty()) request.headers.emplace_back("If-None-Match", etag);
    const HttpResponse response = self.http->perform(request);
    m_status.lastAttempt = localDayOf(self.env.wallNow());
    // After a delivery, that stays the news; only a new survey joins it.
    const bool sentBatches = report.delivery.batches > 0;
    const auto answered = [&](Survey result) {
        m_status.lastAttemptOk = true;
        m_status.lastSuccess = m_status.lastAttempt;
        if (!sentBatches) m_status.lastResult = surveyResult(result);
    };
    const auto failed = [&](SyncProblem problem) {
        m_status.lastAttemptOk = false;
        m_status.lastResult = failedResult(std::move(problem), true);
    };

    if (!response.ok()) {
        if (response.failure == HttpResponse::Failure::Cancelled) {
            report.outcome = PassReport::Outcome::Cancelled;
            return;
        }
        // Nothing waits on the survey; with responses pending, the next pass retries both.
        failed(transportFailure(response));
        return;
    }
    switch (response.status) {
        case 304:
            if (self.refusedEtag.empty()) m_status.surveyNote = {};
            answered(Survey::UpToDate);
            return;
        case 401: pause(report); return;
        case 404:
            m_status.surveyNote = {SurveyNote::Kind::NotAssigned, ""};
            answered(Survey::NotAssigned);
            return;
        case 200: break;
        default: failed(serverSaid(response)); return;
    }
    answered(Survey::Checked);
    const std::string newEtag = response.header("etag").value_or("");
    const auto refuse = [&](const std::string& why) {
        m_status.surveyNote = {SurveyNote::Kind::Refused, clip(why, 300)};
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
    m_status.surveyNote = {};
    const std::string& publicKey = reply->publicKey;
    if (!publicKey.empty() && publicKey != self.options.config.centralPublicKey) m_status.surveyNote = {SurveyNote::Kind::KeyDiffers, ""};
    if (auto saved = writeSurveyCache(self.stateDir, newEtag, publicKey, reply->survey); saved) {
        self.surveyEtag = newEtag;
    } else {
        m_status.localError = saved.message();
    }
    if (loaded.survey->definitionSha256 == self.surveySha256) return;  // the survey the kiosk already has
    self.surveySha256 = loaded.survey->definitionSha256;
    m_status.lastResult.survey = Survey::New;
    m_status.lastResult.newSurvey = loaded.survey->id + " " + loaded.survey->version;
    self.newSurvey = std::make_shared<const shared::Survey>(std::move(*loaded.survey));
}

}  // namespace svarboks::sync
