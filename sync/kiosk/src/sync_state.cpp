#include "svarboks/sync/sync_state.hpp"

#include "svarboks/shared/files.hpp"
#include "svarboks/shared/hashing.hpp"

#include <algorithm>
#include <array>

namespace svarboks::sync {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kStateFile = "sync-state.json";
constexpr const char* kSurveyCacheFile = "survey-cache.json";
constexpr std::string_view kStateFormat = "svarboks-sync-state";
constexpr std::string_view kCacheFormat = "svarboks-survey-cache";
constexpr std::uintmax_t kMaxStateBytes = 64 * 1024;

json dayOrNull(const std::optional<LocalDay>& day) { return day ? json(isoDay(*day)) : json(nullptr); }

// The names of an enum's values in the file, in the enum's order.
constexpr std::array kProblemKinds{"none", "transport", "not_the_server", "unconfirmed", "server_status", "token_refused", "local"};
constexpr std::array kSurveyResults{"none", "up_to_date", "not_assigned", "checked", "new"};
constexpr std::array kSurveyNotes{"none", "refused", "not_assigned", "key_differs"};

template <typename Enum, std::size_t N>
json nameOf(Enum value, const std::array<const char*, N>& names) {
    return names.at(static_cast<std::size_t>(value));
}

// An unknown name (a newer program's) reads as the first value, "none".
template <typename Enum, std::size_t N>
Enum valueOf(const json& name, const std::array<const char*, N>& names) {
    for (std::size_t i = 0; i < N; ++i) {
        if (name.is_string() && name.get<std::string>() == names[i]) return static_cast<Enum>(i);
    }
    return static_cast<Enum>(0);
}

std::string stringAt(const json& doc, const char* key) {
    return doc.is_object() && doc.value(key, json()).is_string() ? doc[key].get<std::string>() : "";
}

std::int64_t countAt(const json& doc, const char* key) {
    return doc.value(key, json()).is_number_integer() ? std::max<std::int64_t>(0, doc[key].get<std::int64_t>()) : 0;
}

json problemJson(const SyncProblem& problem) {
    return {{"kind", nameOf(problem.kind, kProblemKinds)}, {"http_status", problem.httpStatus}, {"detail", problem.detail}};
}

SyncProblem problemFrom(const json& doc) {
    if (!doc.is_object()) return {};
    const long status = doc.value("http_status", json()).is_number_integer() ? doc["http_status"].get<long>() : 0;
    return {valueOf<SyncProblem::Kind>(doc.value("kind", json()), kProblemKinds), status, stringAt(doc, "detail")};
}

json resultJson(const SyncResult& result) {
    json delivery = nullptr;
    if (const auto& d = result.delivery) {
        delivery = {{"batches", d->batches}, {"accepted", d->accepted}, {"duplicates", d->duplicates}, {"rejected", d->rejected},
                    {"too_large", d->tooLarge}};
    }
    return {{"delivery", delivery},
            {"survey", nameOf(result.survey, kSurveyResults)},
            {"new_survey", result.newSurvey},
            {"problem", problemJson(result.problem)},
            {"survey_check", result.surveyCheck}};
}

SyncResult resultFrom(const json& doc) {
    SyncResult result;
    if (!doc.is_object()) return result;  // version 1 and 2 kept English text here: dropped, the next pass says anew
    if (const json delivery = doc.value("delivery", json()); delivery.is_object()) {
        result.delivery = Delivery{countAt(delivery, "batches"), countAt(delivery, "accepted"), countAt(delivery, "duplicates"),
                                   countAt(delivery, "rejected"), countAt(delivery, "too_large")};
    }
    result.survey = valueOf<SyncResult::Survey>(doc.value("survey", json()), kSurveyResults);
    result.newSurvey = stringAt(doc, "new_survey");
    result.problem = problemFrom(doc.value("problem", json()));
    result.surveyCheck = doc.value("survey_check", json()).is_boolean() && doc["survey_check"].get<bool>();
    return result;
}

std::string stateText(const SyncStatus& status, const std::string& pausedToken) {
    const json doc = {
        {"format", kStateFormat},
        {"version", 3},
        {"last_attempt", dayOrNull(status.lastAttempt)},
        {"last_attempt_ok", status.lastAttemptOk},
        {"last_result", resultJson(status.lastResult)},
        {"last_success", dayOrNull(status.lastSuccess)},
        {"paused", status.paused},
        {"paused_token", status.paused ? pausedToken : ""},
        {"survey_note", {{"kind", nameOf(status.surveyNote.kind, kSurveyNotes)}, {"detail", status.surveyNote.detail}}},
    };
    return doc.dump(2) + "\n";
}

}  // namespace

fs::path syncStateDir(const shared::KioskConfig& config) {
    const fs::path outbox(config.outboxFile);
    return outbox.has_parent_path() ? outbox.parent_path() : fs::path(".");
}

std::string tokenFingerprint(const std::string& token) { return token.empty() ? "" : shared::sha256Hex(token).substr(0, 16); }

SyncStateFile::SyncStateFile(const fs::path& stateDir) : m_file(stateDir / kStateFile) {}

shared::Result<SyncState> SyncStateFile::read() const {
    auto text = shared::readSmallFile(m_file, kMaxStateBytes);
    if (!text) return text.error();
    SyncState state;
    if (!text->has_value()) return state;
    const json doc = json::parse(**text, nullptr, false);
    if (!doc.is_object() || doc.value("format", json()) != kStateFormat) {
        return shared::Error{m_file.string() + ": not a sync state file; delete it and the next sync writes a new one"};
    }
    state.status.lastAttempt = parseDay(doc.value("last_attempt", json()));
    state.status.lastAttemptOk = doc.value("last_attempt_ok", json()).is_boolean() && doc["last_attempt_ok"].get<bool>();
    state.status.lastResult = resultFrom(doc.value("last_result", json()));
    state.status.lastSuccess = parseDay(doc.value("last_success", json()));
    // Versions 1 and 2 said a pause with its reason in English.
    state.status.paused = doc.value("paused", json()).is_boolean() ? doc["paused"].get<bool>() : !stringAt(doc, "paused_reason").empty();
    if (const json note = doc.value("survey_note", json()); note.is_object()) {
        state.status.surveyNote = {valueOf<SurveyNote::Kind>(note.value("kind", json()), kSurveyNotes), stringAt(note, "detail")};
    }
    state.pausedToken = stringAt(doc, "paused_token");
    if (state.status.paused) state.status.state = SyncStatus::State::Paused;
    return state;
}

shared::Status SyncStateFile::write(const SyncStatus& status, const std::string& pausedToken) {
    std::string text = stateText(status, pausedToken);
    if (text == m_written) return {};
    if (auto saved = shared::writeAtomically(m_file, text); !saved) return saved;
    m_written = std::move(text);
    return {};
}

shared::Result<SyncStatus> loadSyncState(const fs::path& stateDir, const std::string& deviceToken) {
    auto state = SyncStateFile(stateDir).read();
    if (!state) return state.error();
    if (state->pausedToken != tokenFingerprint(deviceToken)) {
        state->status.paused = false;
        state->status.state = SyncStatus::State::Idle;
    }
    return state->status;
}

std::optional<CachedSurvey> readSurveyCache(const fs::path& stateDir) {
    const fs::path file = stateDir / kSurveyCacheFile;
    auto text = shared::readSmallFile(file, 4 * shared::kMaxSurveyBytes);
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

shared::Status writeSurveyCache(const fs::path& stateDir, const std::string& etag, const std::string& publicKey, const json& survey) {
    const json cache = {{"format", kCacheFormat}, {"version", 1}, {"etag", etag}, {"public_key", publicKey}, {"survey", survey}};
    return shared::writeAtomically(stateDir / kSurveyCacheFile, cache.dump() + "\n");
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

}  // namespace svarboks::sync
