#pragma once
// "Answers are deleted after 3 years" (policy.hpp: kRetentionYears), counted in ISO weeks, the only time a
// response carries. The running server applies it daily and `svarboks-central retention` on demand; ingest
// refuses a response that would already be past it, or that is dated more than a week ahead (clock skew).
#include "svarboks/server/clock.hpp"
#include "svarboks/server/storage.hpp"
#include "svarboks/shared/result.hpp"

#include <string>
#include <vector>

namespace svarboks::server {

/// The oldest ISO week kept in `currentWeek`: the week of the current week's Sunday, kRetentionYears
/// earlier. Everything of an earlier week is deleted, so nothing is kept longer than kRetentionYears from
/// the end of its week. `currentWeek` must be a valid ISO week.
[[nodiscard]] std::string oldestKeptWeek(const std::string& currentWeek);

/// The latest ISO week a response may carry when it arrives in `currentWeek`: the next one (a kiosk's
/// clock may be a few days ahead; a week further is a wrong clock or a forged period).
[[nodiscard]] std::string newestAcceptedWeek(const std::string& currentWeek);

/// Why a response of `period`, arriving in `currentWeek`, cannot be kept, or "" when it can.
[[nodiscard]] std::string periodRejection(const std::string& period, const std::string& currentWeek);

struct RetentionRun {
    std::string oldestKept;           ///< the ISO week from which everything is kept
    std::vector<std::string> rounds;  ///< the rounds deleted as a whole
    /// "deleted everything dated before 2023-W49 (rounds deleted: 2023-h1)", for logs and the audit.
    [[nodiscard]] std::string describe() const;
};

/// Deletes everything dated before oldestKeptWeek(the week of `now`) (Storage::deleteBefore) and writes an
/// audit entry "retention" by `user` with what was deleted (no counts: one could be about fewer than k).
[[nodiscard]] shared::Result<RetentionRun> applyRetention(Storage& storage, TimePoint now, const std::string& user);

}  // namespace svarboks::server
