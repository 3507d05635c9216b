#include "svarboks/client/pin_lock_file.hpp"

#include "svarboks/shared/files.hpp"
#include "svarboks/shared/utc_time.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <limits>

namespace svarboks::client {

namespace {

using nlohmann::json;
using WallTime = std::chrono::system_clock::time_point;

constexpr std::string_view kFormat = "svarboks-pin-lock";
constexpr std::uintmax_t kMaxBytes = 4096;

}  // namespace

PinLockFile::PinLockFile(std::filesystem::path file, KioskTimings timings, WallNow wallNow)
    : m_file(std::move(file)), m_timings(timings), m_wallNow(wallNow ? std::move(wallNow) : [] { return std::chrono::system_clock::now(); }) {}

PinLockState PinLockFile::load(TimePoint now) {
    const PinLockState failClosed{KioskModel::kMaxPinAttempts, now + m_timings.pinLockout};
    auto text = shared::readSmallFile(m_file, kMaxBytes);
    if (!text) return failClosed;
    if (!text->has_value()) return {};
    const json doc = json::parse(**text, nullptr, false);
    if (!doc.is_object() || doc.value("format", json()) != kFormat || !doc.value("failures", json()).is_number_integer()) return failClosed;
    PinLockState state;
    state.failures = static_cast<int>(std::clamp<std::int64_t>(doc["failures"].get<std::int64_t>(), 0, std::numeric_limits<int>::max()));
    const json until = doc.value("locked_until", json());
    if (until.is_null()) return state;
    const auto end = until.is_string() ? shared::parseUtcSecond(until.get<std::string>()) : std::nullopt;
    if (!end) return failClosed;
    const auto cap = std::chrono::duration_cast<Clock::duration>(m_timings.pinLockoutCap);
    const auto left = std::min<Clock::duration>(std::chrono::duration_cast<Clock::duration>(*end - m_wallNow()), cap);
    if (left > Clock::duration::zero()) state.lockedUntil = now + left;
    return state;
}

shared::Status PinLockFile::save(const PinLockState& state, TimePoint now) {
    json doc = {{"format", kFormat}, {"version", 1}, {"failures", state.failures}, {"locked_until", nullptr}};
    if (state.lockedUntil && *state.lockedUntil > now) {
        // Rounded up to the second: the file must never end a lock early.
        const auto end = m_wallNow() + std::chrono::duration_cast<std::chrono::system_clock::duration>(*state.lockedUntil - now);
        doc["locked_until"] = shared::formatUtcSecond(std::chrono::ceil<std::chrono::seconds>(end));
    }
    return shared::writeAtomically(m_file, doc.dump(2) + "\n");
}

}  // namespace svarboks::client
