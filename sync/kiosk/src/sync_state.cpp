#include "svarboks/sync/sync_state.hpp"

#include "svarboks/shared/files.hpp"
#include "svarboks/shared/hashing.hpp"

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
        state->status.pausedReason.clear();
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

}  // namespace svarboks::sync
