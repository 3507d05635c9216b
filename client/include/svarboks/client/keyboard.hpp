#pragma once
// The on-screen keyboard as plain data: its keys, and what a tap does to the text being typed. The setup
// screen types endpoint addresses, one-time codes and PINs with it; a free-text question can type its answer
// with it the same way. makeKeyboardView() (views.hpp) turns it into buttons and drawKeyboard() in
// screens.cpp draws them. No ImGui here: tested without a display.
#include "svarboks/client/kiosk_model.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace svarboks::client {

class Keyboard {
public:
    /// The rows of character keys in lower case: digits, the Danish letters (with æ, ø and å), and the
    /// punctuation an address or an e-mail needs. The view adds Shift, Backspace and Space.
    [[nodiscard]] static const std::vector<std::vector<std::string>>& rows();
    /// `key` in upper case when it is a letter (æ -> Æ), else unchanged.
    [[nodiscard]] static std::string upper(std::string_view key);
    /// The number of characters (UTF-8 code points) in `text`.
    [[nodiscard]] static std::size_t length(std::string_view text);

    /// Letters show (and type) in upper case while this is on; Shift turns it on and off.
    [[nodiscard]] bool upperCase() const { return m_upper; }
    void setUpperCase(bool upper) { m_upper = upper; }

    /// Applies a keyboard intent (KeyboardKey, KeyboardBackspace, KeyboardShift) to `text`, which holds at most
    /// `maxChars` characters: a key of the keyboard (in either case) is appended, Backspace removes the last
    /// character (a whole UTF-8 sequence). Returns false, changing nothing, for any other intent or a text
    /// that is not one of the keys.
    bool apply(const Intent& intent, std::string& text, std::size_t maxChars);

private:
    bool m_upper = false;
};

}  // namespace svarboks::client
