#pragma once
// Reporting rounds: the central team fixes rounds of ISO weeks ("2026-h1": 2026-W02 to 2026-W24) and
// releases each once it has ended. Release freezes the round (storage.hpp: releaseRound); reports and
// record-level exports exist only for released rounds (report.hpp, export.hpp), so a figure never changes
// after it was first shown and no two reports overlap in time: docs/anonymity.md has the argument.
//
// Late answers (a kiosk that was offline when its round was released) stay stored, but are in no round:
// showing them later would change figures already shown. `release` names the kiosks that have not been in
// contact since the round ended, so the central team can wait for them.
#include "svarboks/server/clock.hpp"
#include "svarboks/server/storage.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace svarboks::server {

/// Checks and adds a round. Errors: an id that is not [a-z0-9-]{1,32}, a week that is not "YYYY-Www", from
/// after to, an id that exists or weeks that overlap another round (the message names it).
[[nodiscard]] Status addRound(Storage& storage, const Round& round);

struct ReleaseOutcome {
    std::int64_t responses = 0;                ///< frozen into the round
    std::vector<Device> silentKiosks;          ///< active kiosks not seen since the round's last week
};

/// Releases a round: once, after its last week has ended (local time `now`) unless `early`, with the
/// tallies rebuilt first if they are stale. Early release is as safe (the round is frozen all the same)
/// but leaves out what is still answered in its weeks. Errors: unknown, not ended (and not early),
/// released already, a store failure.
[[nodiscard]] Result<ReleaseOutcome> releaseRound(Storage& storage, const std::string& id, TimePoint now, bool early = false);

/// A round's state as words for lists: "released 2026-12-01", "ended, not released", "open", "planned".
[[nodiscard]] std::string roundState(const Round& round, TimePoint now);


}  // namespace svarboks::server
