#include "svarboks/client/fonts.hpp"

#include <cstdlib>
#include <vector>

namespace svarboks::client {

shared::Result<FontFiles> findFonts() {
    std::vector<std::filesystem::path> dirs;
    if (const char* env = std::getenv("SVARBOKS_FONT_DIR"); env && *env) dirs.emplace_back(env);
    dirs.emplace_back("/usr/share/fonts/truetype/dejavu");
    for (const auto& dir : dirs) {
        FontFiles files{dir / "DejaVuSans.ttf", dir / "DejaVuSans-Bold.ttf"};
        if (std::filesystem::is_regular_file(files.regular) && std::filesystem::is_regular_file(files.bold)) return files;
    }
    return shared::Error{"no font found: the kiosk needs DejaVu Sans (/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf); "
                         "install the Debian package fonts-dejavu-core"};
}

}  // namespace svarboks::client
