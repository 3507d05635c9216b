#pragma once
// Keyboard and switch access (WCAG 2.1.1 and 2.4.7): Tab and the arrow keys move a focus ring over the
// screen's buttons in the order they are drawn (Shift+Tab, Left and Up go back), and Enter or Space presses
// the focused button. A switch interface that sends Tab and Enter or Space works the same way. The focus is
// presentation state only: the model sees the pressed button's intent, as if it had been tapped.
#include "svarboks/client/screens.hpp"

#include <string>
#include <vector>

namespace svarboks::client {

class KeyboardFocus {
public:
    enum class Key { Next, Previous, Press };

    /// A key: Next and Previous move the focus over the enabled buttons of the last frame drawn (around
    /// the ends; inside a dialog when one is open), Press asks the next frame to press the focused button.
    /// Any key shows the ring.
    void key(Key key);
    /// A tap or a click: the ring goes until the next key (the focus stays where it was).
    void touched() { m_visible = false; }
    /// The focus for the next frame to draw; a press is handed out once.
    [[nodiscard]] FocusState next();
    /// After each frame: its buttons. A new screen or dialog (another heading or other buttons) starts
    /// with nothing focused, and the first Next goes to its first button.
    void drawn(const FrameOutput& frame);

private:
    std::string m_heading;
    std::vector<std::string> m_labels;
    std::vector<bool> m_focusable;  ///< per button of the last frame: enabled, and not under a dialog
    int m_index = -1;
    bool m_visible = false;
    bool m_press = false;
};

}  // namespace svarboks::client
