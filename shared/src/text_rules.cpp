#include "text_rules.hpp"

#include <algorithm>

namespace svarboks::shared::text {

namespace {

bool isLower(char c) { return c >= 'a' && c <= 'z'; }
bool isUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool isDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

bool validLocale(std::string_view code) {
    const auto dash = code.find('-');
    const auto language = code.substr(0, dash);
    if (language.size() < 2 || language.size() > 3 || !std::all_of(language.begin(), language.end(), isLower)) return false;
    if (dash == std::string_view::npos) return true;
    const auto region = code.substr(dash + 1);
    return region.size() >= 2 && region.size() <= 4 &&
           std::all_of(region.begin(), region.end(), [](char c) { return isLower(c) || isUpper(c); });
}

bool validSurveyId(std::string_view id) {
    return !id.empty() && id.size() <= 64 &&
           std::all_of(id.begin(), id.end(), [](char c) { return isLower(c) || isDigit(c) || c == '-'; });
}

LineColumn lineColumnAt(std::string_view text, std::size_t offset) {
    offset = std::min(offset, text.size());
    std::size_t line = 1;
    std::size_t lineStart = 0;
    for (std::size_t i = 0; i < offset; ++i) {
        if (text[i] == '\n') ++line, lineStart = i + 1;
    }
    return {line, offset - lineStart + 1};
}

std::string lineColumn(std::string_view text, std::size_t offset) {
    const LineColumn at = lineColumnAt(text, offset);
    return "line " + std::to_string(at.line) + ", column " + std::to_string(at.column);
}

std::optional<std::size_t> jsonTooDeepAt(std::string_view text, std::size_t maxDepth) {
    std::size_t depth = 0;
    bool inString = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (inString) {
            if (c == '\\') ++i;
            else if (c == '"') inString = false;
            continue;
        }
        if (c == '"') inString = true;
        else if (c == '[' || c == '{') {
            if (++depth > maxDepth) return i;
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return std::nullopt;
}

std::string withoutPrefix(std::string what) {
    if (const auto bracket = what.find("] "); what.rfind('[', 0) == 0 && bracket != std::string::npos) what = what.substr(bracket + 2);
    if (const auto colon = what.find(": "); what.rfind("parse error", 0) == 0 && colon != std::string::npos) what = what.substr(colon + 2);
    return what;
}

std::string printable(std::string_view text) {
    std::string out;
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte >= 0x20 && byte < 0x7F) {
            out += c;
        } else {
            static constexpr char kHex[] = "0123456789ABCDEF";
            out += "\\x";
            out += kHex[byte >> 4];
            out += kHex[byte & 0xF];
        }
    }
    return out;
}

}  // namespace svarboks::shared::text
