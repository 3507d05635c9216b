#pragma once
// The uploader's status (sync/sync_status.hpp) in the kiosk's words, Danish or English, from assets/ui/texts.json
// like every other text of the kiosk: the admin screen says it in the kiosk's language, `svarboks status`
// and `svarboks sync` in English. Technical details (libcurl's message, the server's error text, a file
// error) are shown as they came, untranslated.
#include "svarboks/client/ui_texts.hpp"
#include "svarboks/sync/enroll.hpp"
#include "svarboks/sync/sync_session.hpp"
#include "svarboks/sync/sync_status.hpp"

#include <string>

namespace svarboks::client {

/// Pure functions of the data and the texts; thread-safe while `texts` is not changed.
class SyncTexts {
public:
    SyncTexts(const UiTexts& texts, std::string locale) : m_texts(texts), m_locale(std::move(locale)) {}

    /// The status in one line, as the admin screen and `svarboks status` show it, e.g. "last success today,
    /// 3 pending, sent in 35 min (send schedule)", "waiting: next try in 4 min (server said 503); 3 pending".
    /// Days are local, seen from `now`.
    [[nodiscard]] std::string status(const sync::SyncStatus& status, sync::WallTime now) const;
    /// The last attempt's news, e.g. "delivered 3 (2 accepted, 1 duplicate)"; "" when there is none.
    [[nodiscard]] std::string result(const sync::SyncResult& result) const;
    /// What one pass did, as `svarboks sync` reports it.
    [[nodiscard]] std::string pass(const sync::PassReport& report) const;
    /// Why the server did not answer as it should, e.g. "server said 500: database is locked".
    [[nodiscard]] std::string problem(const sync::SyncProblem& problem) const;
    /// The survey update problem; "" when there is none.
    [[nodiscard]] std::string surveyNote(const sync::SurveyNote& note) const;
    /// What fetching the unit's survey after an enrolment found: the survey's id and version when it is
    /// there, else why not (the survey note, the server's problem, or the local error).
    [[nodiscard]] std::string surveyFetch(const sync::SurveyFetch& fetch) const;
    /// "today", "yesterday" or "2026-11-23": `day` seen from the local day of `now`.
    [[nodiscard]] std::string day(sync::LocalDay day, sync::WallTime now) const;
    /// The pause's reason.
    [[nodiscard]] std::string pausedReason() const { return t("sync_paused_token"); }

private:
    [[nodiscard]] std::string t(std::string_view key, const std::vector<std::string>& args = {}) const {
        return m_texts.get(m_locale, key, args);
    }
    [[nodiscard]] std::string delivery(const sync::Delivery& delivery) const;
    [[nodiscard]] std::string wait(std::chrono::system_clock::duration wait) const;

    const UiTexts& m_texts;
    std::string m_locale;
};

}  // namespace svarboks::client
