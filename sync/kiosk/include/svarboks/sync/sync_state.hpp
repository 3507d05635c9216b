#pragma once
// The uploader's files next to the outbox: sync-state.json (the day of the last attempt, its result, the day
// of the last success, a pause and the token it belongs to, a survey note; no time of day, since the time of
// a delivery says roughly when the responses in it were given) and survey-cache.json (the last valid survey
// from the server with its ETag). Both are written atomically with mode 0600 (files.hpp).
//
// Threads: the functions are thread-safe; a SyncStateFile object belongs to one thread (the session's).
#include "svarboks/shared/config.hpp"
#include "svarboks/shared/result.hpp"
#include "svarboks/shared/survey.hpp"
#include "svarboks/sync/sync_status.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <string>

namespace svarboks::sync {

/// Where the uploader keeps its files for this config: the outbox's folder.
[[nodiscard]] std::filesystem::path syncStateDir(const shared::KioskConfig& config);

/// A short fingerprint of a device token ("" for ""), to tell which token a pause was for without storing it.
[[nodiscard]] std::string tokenFingerprint(const std::string& token);

/// What sync-state.json holds.
struct SyncState {
    SyncStatus status;        ///< the persisted part: last attempt, last success, pause, survey note
    std::string pausedToken;  ///< fingerprint of the token the server refused
};

/// sync-state.json in one folder.
class SyncStateFile {
public:
    explicit SyncStateFile(const std::filesystem::path& stateDir);

    /// The state in the file; an empty state when there is none yet. An error names the file: it cannot be
    /// read or is not a sync state file.
    [[nodiscard]] shared::Result<SyncState> read() const;
    /// Writes the persisted part of `status` (with `pausedToken` while paused), unless the file already holds
    /// exactly that: a pass that changed nothing costs no fsync. The error names the file.
    [[nodiscard]] shared::Status write(const SyncStatus& status, const std::string& pausedToken);
    [[nodiscard]] const std::filesystem::path& path() const { return m_file; }

private:
    std::filesystem::path m_file;
    std::string m_written;  ///< what this object last wrote to the file
};

/// The persisted part of the status from sync-state.json in `stateDir`; an empty status when there is none
/// yet. A pause recorded for another token than `deviceToken` (the kiosk was enrolled again since) is
/// dropped. An unreadable file is an error.
[[nodiscard]] shared::Result<SyncStatus> loadSyncState(const std::filesystem::path& stateDir, const std::string& deviceToken);

/// What survey-cache.json holds.
struct CachedSurvey {
    shared::Survey survey;
    std::string etag;
};
/// The survey in survey-cache.json in `stateDir`, if there is one and it is still valid; nullopt otherwise.
[[nodiscard]] std::optional<CachedSurvey> readSurveyCache(const std::filesystem::path& stateDir);
/// Writes survey-cache.json: the survey definition as the server sent it, its ETag and the server's public key.
[[nodiscard]] shared::Status writeSurveyCache(const std::filesystem::path& stateDir, const std::string& etag,
                                              const std::string& publicKey, const nlohmann::json& survey);
/// The survey of readSurveyCache, without its ETag.
[[nodiscard]] std::optional<shared::Survey> loadCachedSurvey(const std::filesystem::path& stateDir);
/// Deletes survey-cache.json in `stateDir` (a new enrolment: the survey of the old one need not be the unit's).
/// No file is no error.
[[nodiscard]] shared::Status forgetCachedSurvey(const std::filesystem::path& stateDir);

}  // namespace svarboks::sync
