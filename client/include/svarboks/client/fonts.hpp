#pragma once
// Where the kiosk's fonts are: for the screens (screens.hpp) and for `svarboks doctor`, which has no ImGui.
#include "svarboks/shared/result.hpp"

#include <filesystem>

namespace svarboks::client {

/// The TTF files used (DejaVu Sans from Debian's fonts-dejavu-core; $SVARBOKS_FONT_DIR overrides).
struct FontFiles {
    std::filesystem::path regular;
    std::filesystem::path bold;
};

/// Finds the fonts; the error names the Debian package to install. Reads the environment.
[[nodiscard]] shared::Result<FontFiles> findFonts();

}  // namespace svarboks::client
