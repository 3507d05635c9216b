#include "svarboks/client/keyboard_focus.hpp"

#include <algorithm>

namespace svarboks::client {

void KeyboardFocus::key(Key key) {
    m_visible = true;
    if (key == Key::Press) {
        m_press = m_index >= 0;
        return;
    }
    const int count = static_cast<int>(m_focusable.size());
    const int step = key == Key::Next ? 1 : -1;
    int at = m_index < 0 ? (step > 0 ? -1 : count) : m_index;
    for (int tried = 0; tried < count; ++tried) {
        at = ((at + step) % count + count) % count;
        if (m_focusable[static_cast<std::size_t>(at)]) {
            m_index = at;
            return;
        }
    }
}

FocusState KeyboardFocus::next() {
    FocusState state{m_visible ? m_index : -1, m_visible && m_press, m_heading};
    m_press = false;
    return state;
}

void KeyboardFocus::drawn(const FrameOutput& frame) {
    std::vector<std::string> labels;
    labels.reserve(frame.buttons.size());
    for (const auto& button : frame.buttons) labels.push_back(button.label);
    if (frame.heading != m_heading || labels != m_labels) {
        m_heading = frame.heading;
        m_labels = std::move(labels);
        m_index = -1;
    }
    m_focusable.assign(frame.buttons.size(), false);
    for (std::size_t i = frame.focusableFrom; i < std::min(frame.focusableTo, frame.buttons.size()); ++i) m_focusable[i] = frame.buttons[i].enabled;
}

}  // namespace svarboks::client
