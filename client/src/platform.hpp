#pragma once
// The kiosk's window: the one part of the program that touches SDL, its renderer (software by default) and
// the ImGui backends.
#include <string>
#include <vector>

namespace svarboks::platform {

/// Runs the kiosk: `svarboks [--config FILE] [--windowed WxH]`. Returns the process exit code.
int runKiosk(const std::vector<std::string>& args);

}  // namespace svarboks::platform
