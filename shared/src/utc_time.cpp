#include "svarboks/shared/utc_time.hpp"

#include <ctime>

namespace svarboks::shared {

namespace {
constexpr const char* kFormat = "%Y-%m-%dT%H:%M:%SZ";
}  // namespace

std::string formatUtcSecond(std::chrono::system_clock::time_point time) {
    const std::time_t t = std::chrono::system_clock::to_time_t(time);
    std::tm utc{};
    gmtime_r(&t, &utc);
    char text[32];
    return std::string(text, std::strftime(text, sizeof text, kFormat, &utc));
}

std::optional<std::chrono::system_clock::time_point> parseUtcSecond(std::string_view text) {
    const std::string copy(text);  // strptime needs a terminated string
    std::tm utc{};
    const char* end = strptime(copy.c_str(), kFormat, &utc);
    if (end == nullptr || *end != '\0') return std::nullopt;
    return std::chrono::system_clock::from_time_t(timegm(&utc));
}

}  // namespace svarboks::shared
