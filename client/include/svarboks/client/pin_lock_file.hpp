#pragma once
// The PIN pad's wrong-PIN count and lock in a small file next to the outbox (pin-lock.json, mode 0600,
// written atomically), so that a restart or a power cut does not give a guesser fresh attempts.
//
// Why a file and not a table in the outbox: the outbox holds respondents' sealed answers and is exported,
// synced and checked as such; the lock is the device's own admin state, like sync-state.json beside it.
//
// The model runs on the steady clock, which starts again at a reboot; the file keeps the lock's end as a
// wall-clock time (UTC), and load() turns it back into the caller's steady clock. A wall clock set far ahead
// (or reset after a reboot) cannot make a lock last longer than KioskTimings::pinLockoutCap from the load.
#include "svarboks/client/kiosk_model.hpp"

#include <chrono>
#include <filesystem>
#include <functional>

namespace svarboks::client {

class PinLockFile final : public PinLockStore {
public:
    using WallNow = std::function<std::chrono::system_clock::time_point()>;

    /// `file` need not exist yet. `wallNow` is the wall clock (injected for tests).
    PinLockFile(std::filesystem::path file, KioskTimings timings, WallNow wallNow = {});

    /// A missing file is a fresh state. A file that cannot be read or is not ours fails closed: the pad is
    /// locked as after kMaxPinAttempts wrong PINs (and the next save replaces the file).
    [[nodiscard]] PinLockState load(TimePoint now) override;
    [[nodiscard]] shared::Status save(const PinLockState& state, TimePoint now) override;

    [[nodiscard]] const std::filesystem::path& file() const { return m_file; }

private:
    std::filesystem::path m_file;
    KioskTimings m_timings;
    WallNow m_wallNow;
};

}  // namespace svarboks::client
