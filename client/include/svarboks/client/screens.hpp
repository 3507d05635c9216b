#pragma once
// The ImGui screens: they draw a ScreenView and return what was tapped. No decisions, no I/O.
// Only ImGui core is used here; the SDL/OpenGL backends live in platform_sdl.cpp alone.
#include "svarboks/client/fonts.hpp"
#include "svarboks/client/views.hpp"
#include "svarboks/shared/result.hpp"

#include <filesystem>
#include <string>
#include <vector>

struct ImFont;

namespace svarboks::client {

/// The fonts of the kiosk, baked for one UI scale.
struct UiFonts {
    ImFont* body = nullptr;
    ImFont* title = nullptr;
    ImFont* bold = nullptr;
    float scale = 1;
};

/// The UI scale for a display of `width` x `height` pixels with `density` pixels per window unit (2 on a
/// HiDPI display at 2x). Everything keeps its share of the shorter side: body text is 30 px per 800 px of
/// it (30 px at 1280x800 and 800x1280, 28.8 px at 1024x768, 40.5 px at 1920x1080, 60 px at 2560x1600),
/// so a larger screen, read from further away, shows larger text. Body text is never under 28 px per
/// density unit: a smaller screen scrolls rather than shrink text below what reads at arm's length.
[[nodiscard]] float uiScale(float width, float height, float density = 1);

/// Puts the fonts into the current ImGui context's atlas, replacing any from before (Latin-1, Latin
/// Extended-A, the arrows, ticks and punctuation the UI uses) and sets the calm high-contrast theme.
/// Call before the atlas is built, and again (then rebuild the atlas) when the scale changes.
[[nodiscard]] shared::Result<UiFonts> setUpImGui(const FontFiles& files, float scale);

/// Every character the kiosk's own texts and shapes use beyond ASCII (for tests of the font).
[[nodiscard]] const std::vector<unsigned>& uiCodepoints();

/// The theme's text/background colour pairs (sRGB 0..1), for the contrast test.
struct ColourPair {
    const char* name;
    float text[3];
    float background[3];
};
[[nodiscard]] const std::vector<ColourPair>& textColourPairs();

/// A drawn button: where it is, for headless tests that tap it as a person would.
struct HitBox {
    std::string label;
    float x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    bool enabled = true;
    bool selected = false;
    bool scrolls = false;  ///< in a scrolling region: may lie beyond the screen's bottom until scrolled to
    float padding = 0;     ///< the room kept free left and right of the label
    bool wraps = false;    ///< the label wraps onto more lines (answer options); else it is one line
    bool focused = false;  ///< the keyboard focus is on it: drawn with the focus ring
};

/// The keyboard focus a frame draws (keyboard_focus.hpp): the focused button's place in drawing order
/// (-1: none, and no ring) on the screen with this heading, and whether this frame presses it. On a
/// screen with another heading (the first frame after a tap changed the screen) nothing is focused.
struct FocusState {
    int index = -1;
    bool press = false;
    std::string heading;
};

struct FrameOutput {
    Intent intent;                ///< what was tapped this frame (Kind::None if nothing)
    std::vector<HitBox> buttons;  ///< every button drawn this frame
    std::size_t focusableFrom = 0;  ///< with focusableTo: an open dialog's buttons; the focus skips the others
    std::size_t focusableTo = static_cast<std::size_t>(-1);
    std::string heading;          ///< the screen's (or its dialog's) title: a new one is a new screen
    std::vector<std::string> texts;  ///< the texts drawn, in order (for tests: what a person can read)
    bool cutOff = false;          ///< a scrolling region holds more than shows (the ↓ hint is drawn)
    bool animating = false;       ///< something moves (a spinner): draw another frame soon
};

/// Draws one frame of `view` filling the display, with the keyboard focus `focus`. Call between
/// ImGui::NewFrame() and ImGui::Render().
[[nodiscard]] FrameOutput drawScreen(const ScreenView& view, const UiFonts& fonts, FocusState focus = {});

/// A screen for a kiosk that cannot start (bad config, no survey): the message, and a Quit button.
[[nodiscard]] FrameOutput drawFatalError(const std::string& title, const std::string& message, const UiFonts& fonts);

}  // namespace svarboks::client
