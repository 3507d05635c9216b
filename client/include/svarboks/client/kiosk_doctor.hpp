#pragma once
// `svarboks doctor` and the admin screen's Check: what IT checks on a kiosk, one line each with what to do
// (shared::Check). The measurements and their limits are shared with `svarboks-central doctor`
// (shared/doctor.hpp); the words are the kiosk's own, from assets/ui/texts.json like all its words, so that
// the admin screen says them in the kiosk's language and the command line in English (as `svarboks status`).
// Technical details (a file error, libcurl's message) are shown as they came, untranslated.
//
// The lines: config (readable, mode 0600), time zone, network time, disk, fonts, display, outbox (integrity
// and counts), and for a kiosk with an endpoint: the endpoint, TLS and pin, the clock against the server's
// Date, the enrolment (the server still knows the token), and the survey (the unit's survey is cached; else
// the kiosk shows "not ready"). What travels: sync/endpoint_probe.hpp (no response, nothing about respondents).
#include "svarboks/client/ui_texts.hpp"
#include "svarboks/shared/doctor.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace svarboks::client {

struct DoctorOptions {
    std::filesystem::path configFile;
    std::chrono::milliseconds timeout{4000};  ///< per network request: the whole run takes at most about twice this
    std::function<bool()> cancelled;          ///< stops a network request within about a second
    std::string timeZone;                     ///< "" = the system's (shared::systemTimeZone)
    /// Reads an environment variable for the display check; empty = std::getenv.
    std::function<std::optional<std::string>(const char*)> environment;
};

/// Runs every check, in the order above, worded in `locale` (else English). A config that cannot be read
/// leaves out the lines that need it. Never throws. Blocks on the network for at most about 2 x timeout:
/// call it from the command line or a worker thread (DoctorRun). Thread-safe while `texts` is not changed.
[[nodiscard]] std::vector<shared::Check> kioskDoctor(const DoctorOptions& options, const UiTexts& texts, const std::string& locale);

/// One run of kioskDoctor on a worker thread, for the admin screen: the UI thread starts it and polls,
/// never waiting on the network. Destroying it stops the run (its network request within about a second)
/// and waits for the thread. Owned and polled by one thread.
class DoctorRun {
public:
    DoctorRun(DoctorOptions options, UiTexts texts, std::string locale);
    DoctorRun(const DoctorRun&) = delete;
    DoctorRun& operator=(const DoctorRun&) = delete;
    ~DoctorRun() = default;

    /// The lines once the run has finished; nullopt while it runs.
    [[nodiscard]] std::optional<std::vector<shared::Check>> result() const;

private:
    mutable std::mutex m_mutex;
    std::optional<std::vector<shared::Check>> m_result;
    std::jthread m_thread;  ///< last: asked to stop and joined before the members above go
};

}  // namespace svarboks::client
