#include "svarboks/server/json_lines.hpp"

#include <nlohmann/json.hpp>

namespace svarboks::server {

namespace {

// A single pass over the text that notes where each value starts. It stops at the first thing that is not
// JSON; the caller has usually parsed the text already, so that only guards against crafted input.
class Scanner {
public:
    Scanner(std::string_view text, std::map<std::string, std::size_t, std::less<>>& lines) : m_text(text), m_lines(lines) {}

    void document() { (void)value("", 0); }

private:
    static constexpr int kMaxDepth = 256;

    bool value(const std::string& pointer, int depth) {
        space();
        if (m_at >= m_text.size() || depth > kMaxDepth) return false;
        m_lines.emplace(pointer, m_line);  // a member's key line stays when it is already there
        const char c = m_text[m_at];
        if (c == '{') return object(pointer, depth);
        if (c == '[') return array(pointer, depth);
        if (c == '"') return string(nullptr);
        while (m_at < m_text.size() && std::string_view(",]} \t\r\n").find(m_text[m_at]) == std::string_view::npos) ++m_at;
        return true;
    }

    bool object(const std::string& pointer, int depth) {
        ++m_at;
        space();
        if (peek('}')) return true;
        while (true) {
            space();
            std::string key;
            const std::size_t keyLine = m_line;
            if (!string(&key)) return false;
            const std::string member = pointer + "/" + escape(key);
            m_lines.emplace(member, keyLine);
            space();
            if (!peek(':')) return false;
            if (!value(member, depth + 1)) return false;
            space();
            if (peek('}')) return true;
            if (!peek(',')) return false;
        }
    }

    bool array(const std::string& pointer, int depth) {
        ++m_at;
        space();
        if (peek(']')) return true;
        for (std::size_t index = 0;; ++index) {
            if (!value(pointer + "/" + std::to_string(index), depth + 1)) return false;
            space();
            if (peek(']')) return true;
            if (!peek(',')) return false;
        }
    }

    // A string token; its decoded text into `decoded` when asked (keys), through nlohmann for exact escapes.
    bool string(std::string* decoded) {
        if (!peek('"')) return false;
        const std::size_t start = m_at - 1;
        while (m_at < m_text.size() && m_text[m_at] != '"') {
            if (m_text[m_at] == '\\') ++m_at;
            if (m_at < m_text.size() && m_text[m_at] == '\n') return false;
            ++m_at;
        }
        if (!peek('"')) return false;
        if (decoded != nullptr) {
            const auto parsed = nlohmann::json::parse(m_text.substr(start, m_at - start), nullptr, false);
            if (!parsed.is_string()) return false;
            *decoded = parsed.get<std::string>();
        }
        return true;
    }

    static std::string escape(const std::string& key) {
        std::string out;
        for (const char c : key) {
            if (c == '~') out += "~0";
            else if (c == '/') out += "~1";
            else out += c;
        }
        return out;
    }

    void space() {
        while (m_at < m_text.size() && (m_text[m_at] == ' ' || m_text[m_at] == '\t' || m_text[m_at] == '\r' || m_text[m_at] == '\n')) {
            if (m_text[m_at] == '\n') ++m_line;
            ++m_at;
        }
    }

    bool peek(char c) {
        if (m_at < m_text.size() && m_text[m_at] == c) {
            ++m_at;
            return true;
        }
        return false;
    }

    std::string_view m_text;
    std::map<std::string, std::size_t, std::less<>>& m_lines;
    std::size_t m_at = 0;
    std::size_t m_line = 1;
};

}  // namespace

JsonLines::JsonLines(std::string_view json) { Scanner(json, m_lines).document(); }

std::size_t JsonLines::lineOf(std::string_view pointer) const {
    while (true) {
        if (const auto found = m_lines.find(pointer); found != m_lines.end()) return found->second;
        if (pointer.empty()) return 0;
        const auto slash = pointer.rfind('/');
        pointer = slash == std::string_view::npos ? std::string_view() : pointer.substr(0, slash);
    }
}

}  // namespace svarboks::server
