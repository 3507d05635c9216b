#include "svarboks/server/rounds.hpp"

#include "svarboks/server/report.hpp"
#include "svarboks/shared/period.hpp"

#include <algorithm>

namespace svarboks::server {

namespace {

bool validId(const std::string& id) {
    return !id.empty() && id.size() <= 32 &&
           std::all_of(id.begin(), id.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

// Whether the round's last week is over in local time.
bool ended(const Round& round, TimePoint now) {
    const auto last = shared::parseIsoWeek(round.toWeek);
    return last && *shared::parseIsoWeek(localWeek(now)) > *last;
}

}  // namespace

Status addRound(Storage& storage, const Round& round) {
    if (!validId(round.id)) return Error{"round id '" + round.id + "': expected 1 to 32 of a-z, 0-9 and -, e.g. 2026-h1"};
    auto from = shared::parseIsoWeek(round.fromWeek);
    if (!from) return Error{"--from " + round.fromWeek + ": " + from.error().message};
    auto to = shared::parseIsoWeek(round.toWeek);
    if (!to) return Error{"--to " + round.toWeek + ": " + to.error().message};
    if (*to < *from) return Error{"--from " + round.fromWeek + " is after --to " + round.toWeek};
    // Stored in the canonical form, so that weeks compare as text.
    return storage.addRound(Round{round.id, from->toString(), to->toString(), ""});
}

Result<ReleaseOutcome> releaseRound(Storage& storage, const std::string& id, TimePoint now, bool early) {
    auto rounds = storage.rounds();
    if (!rounds) return rounds.error();
    const auto round = std::find_if(rounds->begin(), rounds->end(), [&](const Round& r) { return r.id == id; });
    if (round == rounds->end()) return Error{"no round '" + id + "' (svarboks-central rounds list shows them)"};
    if (round->released()) return Error{"round '" + id + "' was released on " + round->releasedOn + " and never changes"};
    if (!early && !ended(*round, now)) {
        return Error{"round '" + id + "' runs to " + round->toWeek + " and has not ended yet (this is " + localWeek(now) +
                     "): release it once its last week is over, or now with --early (what is answered in its weeks "
                     "after the release is kept but never counted in it)"};
    }
    if (Status s = ensureTallies(storage); !s) return Error{s.message()};
    auto devices = storage.devices();
    if (!devices) return devices.error();
    auto frozen = storage.releaseRound(id, localDate(now));
    if (!frozen) return frozen.error();
    ReleaseOutcome outcome;
    outcome.responses = *frozen;
    // A kiosk last seen in or before the round's last week may still hold answers from it.
    const auto last = *shared::parseIsoWeek(round->toWeek);
    for (auto& device : *devices) {
        if (device.revoked) continue;
        bool silent = device.lastSeenOn.empty();
        if (!silent) {
            const int y = std::stoi(device.lastSeenOn.substr(0, 4));
            const unsigned m = static_cast<unsigned>(std::stoi(device.lastSeenOn.substr(5, 2)));
            const unsigned d = static_cast<unsigned>(std::stoi(device.lastSeenOn.substr(8, 2)));
            silent = !(shared::isoWeekOf(std::chrono::year_month_day{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}}) > last);
        }
        if (silent) outcome.silentKiosks.push_back(std::move(device));
    }
    return outcome;
}

std::string roundState(const Round& round, TimePoint now) {
    if (round.released()) return "released " + round.releasedOn;
    if (ended(round, now)) return "ended, not released";
    const auto first = shared::parseIsoWeek(round.fromWeek);
    if (first && *shared::parseIsoWeek(localWeek(now)) < *first) return "planned";
    return "open";
}


}  // namespace svarboks::server
