#include "svarboks/client/keyboard.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>
#include <utility>

namespace svarboks::client {

namespace {

// The lower and upper case of the letters beyond ASCII on the keyboard.
constexpr std::pair<std::string_view, std::string_view> kDanish[] = {{"æ", "Æ"}, {"ø", "Ø"}, {"å", "Å"}};

bool isKey(std::string_view text) {
    for (const auto& row : Keyboard::rows()) {
        for (const auto& key : row) {
            if (text == key || text == Keyboard::upper(key)) return true;
        }
    }
    return text == " ";
}

}  // namespace

const std::vector<std::vector<std::string>>& Keyboard::rows() {
    static const std::vector<std::vector<std::string>> rows = {
        {"1", "2", "3", "4", "5", "6", "7", "8", "9", "0"},
        {"q", "w", "e", "r", "t", "y", "u", "i", "o", "p", "å"},
        {"a", "s", "d", "f", "g", "h", "j", "k", "l", "æ", "ø"},
        {"z", "x", "c", "v", "b", "n", "m", ",", "."},
        {"-", "_", ":", "/", "@"},
    };
    return rows;
}

std::string Keyboard::upper(std::string_view key) {
    for (const auto& [lower, upperCase] : kDanish) {
        if (key == lower) return std::string(upperCase);
    }
    if (key.size() == 1 && std::islower(static_cast<unsigned char>(key[0]))) {
        return std::string(1, static_cast<char>(std::toupper(static_cast<unsigned char>(key[0]))));
    }
    return std::string(key);
}

std::size_t Keyboard::length(std::string_view text) {
    return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

bool Keyboard::apply(const Intent& intent, std::string& text, std::size_t maxChars) {
    using K = Intent::Kind;
    switch (intent.kind) {
        case K::KeyboardKey:
            if (!isKey(intent.text)) return false;
            if (length(text) < maxChars) text += intent.text;
            return true;
        case K::KeyboardBackspace:
            while (!text.empty() && (static_cast<unsigned char>(text.back()) & 0xC0) == 0x80) text.pop_back();
            if (!text.empty()) text.pop_back();
            return true;
        case K::KeyboardShift: m_upper = !m_upper; return true;
        default: return false;
    }
}

}  // namespace svarboks::client
