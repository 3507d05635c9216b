#pragma once
// The kiosk's window: the one part of the program that touches SDL, its renderer (software, or GLES2 under
// Wayland) and the ImGui backends.
#include "svarboks/client/cli.hpp"

namespace svarboks::platform {

/// Runs the kiosk: `svarboks [--config FILE] [--windowed WxH]`. Returns the process exit code.
int runKiosk(const client::KioskOptions& options);

}  // namespace svarboks::platform
