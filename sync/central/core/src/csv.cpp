#include "svarboks/server/csv.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <utility>

namespace svarboks::server {

namespace {

constexpr std::size_t kChunk = 64 * 1024;
constexpr std::string_view kBom = "\xEF\xBB\xBF";

// The first characters a spreadsheet may read as the start of a formula (OWASP, CSV injection).
bool startsFormula(std::string_view value) {
    if (value.empty()) return false;
    switch (value.front()) {
        case '=':
        case '+':
        case '-':
        case '@':
        case '\t':
        case '\r': return true;
        default: return false;
    }
}

}  // namespace

CsvWriter::CsvWriter(CsvDialect dialect, CsvSink sink)
    : m_dialect(dialect), m_sink(std::move(sink)), m_separator(dialect == CsvDialect::DanishExcel ? ';' : ',') {
    m_buffer.reserve(kChunk + 4096);
    if (m_dialect == CsvDialect::DanishExcel) m_buffer.append(kBom);
}

void CsvWriter::separate() {
    if (m_rowStarted) m_buffer.push_back(m_separator);
    m_rowStarted = true;
}

void CsvWriter::text(std::string_view value) {
    separate();
    const bool neutralise = startsFormula(value);
    // One pass over the bytes (find_first_of would search the four characters once per byte).
    const bool quote = neutralise || std::any_of(value.begin(), value.end(), [separator = m_separator](char c) {
                           return c == separator || c == '"' || c == '\r' || c == '\n';
                       });
    if (!quote) {
        m_buffer.append(value);
        return;
    }
    m_buffer.push_back('"');
    if (neutralise) m_buffer.push_back('\'');
    for (const char c : value) {
        if (c == '"') m_buffer.push_back('"');
        m_buffer.push_back(c);
    }
    m_buffer.push_back('"');
}

void CsvWriter::numberText(std::string_view digits) {
    separate();
    const std::size_t start = m_buffer.size();
    // "-0" reads as text in some spreadsheets and means nothing more than 0.
    if (digits == "-0") digits = "0";
    m_buffer.append(digits);
    if (m_dialect == CsvDialect::DanishExcel) std::replace(m_buffer.begin() + static_cast<std::ptrdiff_t>(start), m_buffer.end(), '.', ',');
}

void CsvWriter::number(double value) {
    if (!std::isfinite(value)) {
        empty();
        return;
    }
    std::array<char, 32> digits{};
    const auto [end, ec] = std::to_chars(digits.data(), digits.data() + digits.size(), value);
    numberText(ec == std::errc() ? std::string_view(digits.data(), static_cast<std::size_t>(end - digits.data())) : std::string_view());
}

void CsvWriter::number(double value, int decimals) {
    if (!std::isfinite(value)) {
        empty();
        return;
    }
    std::array<char, 352> digits{};  // the largest double in fixed notation with 17 decimals fits
    const auto [end, ec] = std::to_chars(digits.data(), digits.data() + digits.size(), value, std::chars_format::fixed,
                                         std::clamp(decimals, 0, 17));
    std::string_view text = ec == std::errc() ? std::string_view(digits.data(), static_cast<std::size_t>(end - digits.data())) : std::string_view();
    // A rounded negative value such as -0.00 is zero.
    if (!text.empty() && text.front() == '-' && text.find_first_not_of("-0.") == std::string_view::npos) text.remove_prefix(1);
    numberText(text);
}

void CsvWriter::integer(long long value) {
    std::array<char, 24> digits{};
    const auto [end, ec] = std::to_chars(digits.data(), digits.data() + digits.size(), value);
    numberText(ec == std::errc() ? std::string_view(digits.data(), static_cast<std::size_t>(end - digits.data())) : std::string_view());
}

void CsvWriter::empty() { separate(); }

bool CsvWriter::endRow() {
    m_buffer.append("\r\n");
    m_rowStarted = false;
    if (m_buffer.size() >= kChunk) return flush();
    return m_ok;
}

bool CsvWriter::endRowWith(std::string_view rest) {
    m_buffer.append(rest);
    m_rowStarted = false;
    if (m_buffer.size() >= kChunk) return flush();
    return m_ok;
}

bool CsvWriter::flush() {
    if (m_ok && !m_buffer.empty()) m_ok = m_sink(m_buffer);
    m_buffer.clear();
    return m_ok;
}

}  // namespace svarboks::server
