#include "svarboks/server/export.hpp"

#include "svarboks/server/anonymise.hpp"
#include "svarboks/server/csv.hpp"
#include "svarboks/server/report.hpp"
#include "svarboks/server/rounds.hpp"
#include "svarboks/shared/files.hpp"
#include "svarboks/shared/survey.hpp"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <exception>
#include <map>
#include <ostream>
#include <set>
#include <system_error>
#include <unordered_map>

namespace svarboks::server {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kChunk = 64 * 1024;
constexpr std::int64_t kProgressEvery = 4096;
constexpr off_t kWriteBackEvery = 8 * 1024 * 1024;

// ---- the stored answers ----
//
// The stored answers are nlohmann's compact dump of a validated object (question name -> string, number,
// bool or array of those). nlohmann/json decodes what needs decoding (strings with escapes, through its
// SAX parser: appendString()), but not every row: its SAX parser takes 2.7 s of CPU for the 1,000,000 rows
// of the benchmark's round, a DOM 4.8 s, against 0.4 s for this scanner, which walks the bytes once, checks
// that they are JSON and hands out each member's raw value (docs/benchmarks.md#exports). An export reads
// every row once or twice, against a goal of 5 s for all of it.

// Receives the one string of a JSON text that is a single string (any other value is refused).
class StringToken {
public:
    explicit StringToken(std::string& out) : m_out(out) {}
    bool string(std::string& value) {
        m_out.append(value);
        return true;
    }
    bool key(std::string&) { return false; }
    bool null() { return false; }
    bool boolean(bool) { return false; }
    bool number_integer(nlohmann::json::number_integer_t) { return false; }
    bool number_unsigned(nlohmann::json::number_unsigned_t) { return false; }
    bool number_float(nlohmann::json::number_float_t, const std::string&) { return false; }
    bool binary(nlohmann::json::binary_t&) { return false; }
    bool start_object(std::size_t) { return false; }
    bool end_object() { return false; }
    bool start_array(std::size_t) { return false; }
    bool end_array() { return false; }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) { return false; }

private:
    std::string& m_out;
};

// Appends the text of a raw JSON string (with its quotes) that the scanner accepted; false when
// nlohmann/json does not accept its escapes (a lone surrogate) or bytes (not UTF-8). Without a backslash
// the text is the raw bytes between the quotes.
[[nodiscard]] bool appendString(std::string_view raw, std::string& out) {
    const std::string_view inner = raw.substr(1, raw.size() - 2);
    if (inner.find('\\') == std::string_view::npos) {
        out.append(inner);
        return true;
    }
    StringToken token(out);
    return nlohmann::json::sax_parse(raw, &token);
}

class JsonScanner {
public:
    explicit JsonScanner(std::string_view text) : m_text(text) {}

    // Calls visit(key, rawValue) for each member of the top-level object; false (see error()) when the text
    // is not one JSON object. `key` points into `scratch` when it had escapes.
    template <typename Visit>
    bool members(std::string& scratch, Visit&& visit) {
        m_at = 0;
        if (!expect('{')) return false;
        if (peek() == '}') {
            ++m_at;
            return atEnd();
        }
        for (;;) {
            const std::size_t keyStart = m_at;
            if (peek() != '"') return fail("expected a question name");
            m_escaped = false;
            if (!skipString()) return false;
            std::string_view key = m_text.substr(keyStart + 1, m_at - keyStart - 2);
            if (m_escaped) {
                scratch.clear();
                if (!appendString(m_text.substr(keyStart, m_at - keyStart), scratch)) {
                    m_at = keyStart;
                    return fail("a question name with a lone surrogate or bytes that are not UTF-8");
                }
                key = scratch;
            }
            if (!expect(':')) return false;
            const std::size_t valueStart = m_at;
            if (!skipValue(0)) return false;
            if (!visit(key, m_text.substr(valueStart, m_at - valueStart))) return false;
            const char next = peek();
            ++m_at;
            if (next == '}') return atEnd();
            if (next != ',') return fail("expected ',' or '}'");
        }
    }

    // Calls visit(rawElement) for each element of a raw array already checked by members().
    template <typename Visit>
    static void elements(std::string_view array, Visit&& visit) {
        JsonScanner scanner(array);
        scanner.m_at = 1;
        if (scanner.peek() == ']') return;
        for (;;) {
            const std::size_t start = scanner.m_at;
            if (!scanner.skipValue(1)) return;
            visit(array.substr(start, scanner.m_at - start));
            if (scanner.peek() != ',') return;
            ++scanner.m_at;
        }
    }

    [[nodiscard]] const std::string& error() const { return m_error; }

private:
    static constexpr int kMaxDepth = 64;

    [[nodiscard]] char peek() const { return m_at < m_text.size() ? m_text[m_at] : '\0'; }
    bool fail(const std::string& what) {
        m_error = what + " at byte " + std::to_string(m_at + 1);
        return false;
    }
    bool expect(char c) {
        if (peek() != c) return fail(std::string("expected '") + c + "'");
        ++m_at;
        return true;
    }
    bool atEnd() { return m_at == m_text.size() || fail("unexpected text after the object"); }

    bool skipString() {
        ++m_at;  // the opening quote
        while (m_at < m_text.size()) {
            const auto c = static_cast<unsigned char>(m_text[m_at]);
            if (c == '"') {
                ++m_at;
                return true;
            }
            if (c < 0x20) return fail("a control character in a string");
            if (c == '\\') {
                m_escaped = true;
                const char e = m_at + 1 < m_text.size() ? m_text[m_at + 1] : '\0';
                if (e == 'u') {
                    if (m_at + 6 > m_text.size() || !isHex4(m_text.substr(m_at + 2, 4))) return fail("a bad \\u escape");
                    m_at += 6;
                    continue;
                }
                if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) return fail("a bad escape");
                m_at += 2;
                continue;
            }
            ++m_at;
        }
        return fail("an unterminated string");
    }

    bool skipDigits() {
        const std::size_t start = m_at;
        while (m_at < m_text.size() && m_text[m_at] >= '0' && m_text[m_at] <= '9') ++m_at;
        return m_at > start;
    }

    bool skipNumber() {
        if (peek() == '-') ++m_at;
        if (peek() == '0') {
            ++m_at;
        } else if (!skipDigits()) {
            return fail("expected a value");
        }
        if (peek() == '.') {
            ++m_at;
            if (!skipDigits()) return fail("expected digits after '.'");
        }
        if (peek() == 'e' || peek() == 'E') {
            ++m_at;
            if (peek() == '+' || peek() == '-') ++m_at;
            if (!skipDigits()) return fail("expected digits in the exponent");
        }
        return true;
    }

    bool skipLiteral(std::string_view word) {
        if (m_text.substr(m_at, word.size()) != word) return fail("expected a value");
        m_at += word.size();
        return true;
    }

    bool skipValue(int depth) {
        if (depth > kMaxDepth) return fail("nested too deeply");
        switch (peek()) {
            case '"': return skipString();
            case 't': return skipLiteral("true");
            case 'f': return skipLiteral("false");
            case 'n': return skipLiteral("null");
            case '[':
            case '{': {
                const char close = peek() == '[' ? ']' : '}';
                ++m_at;
                if (peek() == close) {
                    ++m_at;
                    return true;
                }
                for (;;) {
                    if (close == '}') {
                        if (peek() != '"') return fail("expected a key");
                        if (!skipString() || !expect(':')) return false;
                    }
                    if (!skipValue(depth + 1)) return false;
                    const char next = peek();
                    ++m_at;
                    if (next == close) return true;
                    if (next != ',') return fail(std::string("expected ',' or '") + close + "'");
                }
            }
            default: return skipNumber();
        }
    }

    static bool isHex4(std::string_view digits) {
        return std::all_of(digits.begin(), digits.end(), [](char c) {
            return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        });
    }

    std::string_view m_text;
    std::size_t m_at = 0;
    bool m_escaped = false;  // whether a string since it was last reset had an escape
    std::string m_error;
};

// What a row shows in place of its quasi-identifiers, after generalisation (anonymise.hpp).
struct Shown {
    std::string_view unit;
    std::string_view group;
    std::string_view period;
    std::string_view locale;
    std::vector<bool> withheld;  ///< per ExportPlan::identifying: the answer is not shown
};

constexpr std::string_view kWithheld = "*";

bool isIntegerToken(std::string_view number) {
    return std::none_of(number.begin(), number.end(), [](char c) { return c == '.' || c == 'e' || c == 'E'; });
}

// ---- CSV ----

// A row is made in two parts: body() formats the answers when the row is read (the cells after the fixed
// ones, with the place of each identifying answer), row() puts the fixed cells in front and withholds the
// identifying answers the plan withholds, once the rows are in id order.
class CsvExporter {
public:
    CsvExporter(const ExportPlan& plan, const ExportSink& sink)
        : m_csv(dialectOf(plan), sink),
          m_body(dialectOf(plan), [this](std::string_view cells) {
              m_bodyText.append(cells);
              return true;
          }),
          m_danish(plan.format == ExportFormat::CsvDanish),
          m_separator(m_danish ? ';' : ','),
          m_questions(plan.questions),
          m_values(plan.questions.size()),
          m_identifyingAt(plan.questions.size(), kNotIdentifying),
          m_spans(plan.identifying.size()) {
        for (std::size_t i = 0; i < plan.questions.size(); ++i) m_columns.emplace(plan.questions[i], i);
        for (std::size_t i = 0; i < plan.identifying.size(); ++i) {
            m_identifying.push_back(m_columns.at(plan.identifying[i]));
            m_identifyingAt[m_identifying.back()] = i;
        }
        for (const std::string_view column : kExportFixedColumns) m_csv.text(column);
        for (const std::string& question : plan.questions) m_csv.text(question);
        m_csv.endRow();
        (void)m_body.flush();  // its BOM
        m_bodyText.clear();
    }

    // Appends to `record` the row's cells after the fixed ones, with its row end, behind the place of each
    // identifying answer in them, and sets `identifying` to the raw identifying answers ("" unanswered);
    // an error message when the answers are not what the survey asks.
    std::string body(const StoredResponse& response, std::string& record, std::vector<std::string>& identifying) {
        std::fill(m_values.begin(), m_values.end(), std::string_view());
        JsonScanner scanner(response.answersJson);
        std::string unknown;
        std::size_t member = 0;
        const bool parsed = scanner.members(m_key, [&](std::string_view key, std::string_view value) {
            // Rows mostly answer the same questions, stored in the same (sorted) order: try the column that
            // this member had in the last row before looking the name up.
            if (member < m_lastColumns.size() && m_questions[m_lastColumns[member]] == key) {
                m_values[m_lastColumns[member++]] = value;
                return true;
            }
            const auto column = m_columns.find(key);
            if (column == m_columns.end()) {
                unknown = key;
                return false;
            }
            m_values[column->second] = value;
            if (member < m_lastColumns.size()) m_lastColumns[member] = column->second;
            else m_lastColumns.push_back(column->second);
            ++member;
            return true;
        });
        if (!unknown.empty()) {
            return "response " + response.id + ": an answer to '" + unknown + "', which survey " + response.surveyId + " " +
                   response.surveyVersion + " does not ask";
        }
        if (!parsed) return "response " + response.id + ": the stored answers are not a JSON object (" + scanner.error() + ")";
        for (std::size_t i = 0; i < m_identifying.size(); ++i) identifying[i].assign(m_values[m_identifying[i]]);

        // The fixed cells as empty ones, so that the first answer gets its separator as in the whole row;
        // then each identifying answer between two flushes, which mark where it is.
        m_bodyText.clear();
        for (std::size_t i = 0; i < std::size(kExportFixedColumns); ++i) m_body.empty();
        (void)m_body.flush();
        const std::size_t start = m_bodyText.size();
        for (std::size_t column = 0; column < m_values.size(); ++column) {
            const std::size_t which = m_identifyingAt[column];
            if (which != kNotIdentifying) {
                (void)m_body.flush();
                m_spans[which].first = static_cast<std::uint32_t>(m_bodyText.size() - start);
            }
            if (!cell(m_values[column])) {
                return "response " + response.id + ": the stored answers are not a JSON object (a string with a lone surrogate or "
                       "bytes that are not UTF-8)";
            }
            if (which != kNotIdentifying) {
                (void)m_body.flush();
                m_spans[which].second = static_cast<std::uint32_t>(m_bodyText.size() - start);
            }
        }
        (void)m_body.endRow();
        (void)m_body.flush();
        if (!m_spans.empty()) record.append(reinterpret_cast<const char*>(m_spans.data()), m_spans.size() * sizeof m_spans.front());
        record.append(std::string_view(m_bodyText).substr(start));
        return "";
    }

    // Writes a row from what body() made of it, with the fixed cells `shown`.
    void row(const Shown& shown, std::string_view surveyId, std::string_view version, std::string_view body) {
        for (const std::string_view field : {shown.unit, shown.group, shown.period, surveyId, version, shown.locale}) m_csv.text(field);
        if (!m_spans.empty()) std::memcpy(m_spans.data(), body.data(), m_spans.size() * sizeof m_spans.front());
        body.remove_prefix(m_spans.size() * sizeof(Span));
        if (std::find(shown.withheld.begin(), shown.withheld.end(), true) == shown.withheld.end()) {
            (void)m_csv.endRowWith(body);
            return;
        }
        // Identifying questions come in survey order, as the columns: their places follow each other.
        m_joined.clear();
        std::size_t at = 0;
        for (std::size_t i = 0; i < m_spans.size(); ++i) {
            if (!shown.withheld[i]) continue;
            m_joined.append(body.substr(at, m_spans[i].first - at));
            m_joined.push_back(m_separator);
            m_joined.append(kWithheld);
            at = m_spans[i].second;
        }
        m_joined.append(body.substr(at));
        (void)m_csv.endRowWith(m_joined);
    }

    [[nodiscard]] bool finish() { return m_csv.flush(); }
    [[nodiscard]] bool ok() const { return m_csv.ok(); }

private:
    static constexpr std::size_t kNotIdentifying = static_cast<std::size_t>(-1);
    static CsvDialect dialectOf(const ExportPlan& plan) {
        return plan.format == ExportFormat::CsvDanish ? CsvDialect::DanishExcel : CsvDialect::Standard;
    }

    // False when a string is not one nlohmann/json accepts (appendString()).
    [[nodiscard]] bool cell(std::string_view value) {
        if (value.empty() || value == "null") {
            m_body.empty();
        } else if (value.front() == '"') {
            const std::string_view inner = value.substr(1, value.size() - 2);
            if (inner.find('\\') == std::string_view::npos) {
                m_body.text(inner);
            } else {
                m_text.clear();
                if (!appendString(value, m_text)) return false;
                m_body.text(m_text);
            }
        } else if (value == "true" || value == "false") {
            m_body.text(value);
        } else if (value.front() == '[') {
            m_joined.clear();
            bool first = true;
            bool decoded = true;
            JsonScanner::elements(value, [&](std::string_view element) {
                if (!first) m_joined.push_back(';');
                first = false;
                if (element.front() == '"') decoded = appendString(element, m_joined) && decoded;
                else if (element.front() == '-' || (element.front() >= '0' && element.front() <= '9')) appendNumber(element);
                else m_joined.append(element);
            });
            if (!decoded) return false;
            m_body.text(m_joined);
        } else if (value.front() == '{') {
            m_body.text(value);
        } else if (isIntegerToken(value)) {
            long long integer = 0;
            const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), integer);
            if (ec == std::errc() && end == value.data() + value.size()) m_body.integer(integer);
            else number(value);
        } else {
            number(value);
        }
        return true;
    }

    void number(std::string_view token) {
        double parsed = 0;
        const auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), parsed);
        if (ec == std::errc() && end == token.data() + token.size()) m_body.number(parsed);
        else m_body.text(token);  // out of range for a double: keep the digits as they were answered
    }

    void appendNumber(std::string_view token) {
        const std::size_t start = m_joined.size();
        m_joined.append(token);
        if (m_danish) std::replace(m_joined.begin() + static_cast<std::ptrdiff_t>(start), m_joined.end(), '.', ',');
    }

    // Lookup by the stored key without making a string of it.
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view text) const { return std::hash<std::string_view>()(text); }
    };
    CsvWriter m_csv;   // the export
    CsvWriter m_body;  // the cells of body(), into m_bodyText
    std::string m_bodyText;
    bool m_danish;
    char m_separator;
    std::vector<std::string> m_questions;
    std::unordered_map<std::string, std::size_t, Hash, std::equal_to<>> m_columns;
    std::vector<std::size_t> m_lastColumns;  // the column of each member of the last row, in order
    std::vector<std::size_t> m_identifying;  // the column of each identifying question
    std::vector<std::string_view> m_values;
    std::vector<std::size_t> m_identifyingAt;  // per column: which identifying question it is, or kNotIdentifying
    struct Span {
        std::uint32_t first = 0;   // where the separator before the cell is
        std::uint32_t second = 0;  // where the cell ends
    };
    std::vector<Span> m_spans;  // per identifying question: its place in the body
    std::string m_key;
    std::string m_text;
    std::string m_joined;
};

// ---- JSON Lines ----

// A JSON string as nlohmann writes it, for the short fields beside the answers.
void appendJsonString(std::string_view text, std::string& out) {
    const bool plain = std::all_of(text.begin(), text.end(), [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return byte >= 0x20 && byte < 0x80 && c != '"' && c != '\\';
    });
    if (plain) {
        out.push_back('"');
        out.append(text);
        out.push_back('"');
        return;
    }
    out.append(nlohmann::json(std::string(text)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

class JsonlExporter {
public:
    JsonlExporter(const ExportPlan& plan, const ExportSink& sink) : m_sink(sink), m_identifying(plan.identifying) {
        m_buffer.reserve(kChunk + 4096);
    }

    // Appends the row's answers to `record` as stored, once they are known to be a JSON object, and sets
    // `identifying` to the raw identifying answers ("" unanswered); an error message otherwise.
    std::string body(const StoredResponse& response, std::string& record, std::vector<std::string>& identifying) {
        for (std::string& answer : identifying) answer.clear();
        JsonScanner scanner(response.answersJson);
        const bool parsed = scanner.members(m_key, [&](std::string_view key, std::string_view value) {
            for (std::size_t i = 0; i < m_identifying.size(); ++i) {
                if (key == m_identifying[i]) identifying[i].assign(value);
            }
            return true;
        });
        if (!parsed) return "response " + response.id + ": the stored answers are not a JSON object (" + scanner.error() + ")";
        record.append(response.answersJson);
        return "";
    }

    // Writes a row from what body() made of it, with the fields `shown`.
    void row(const Shown& shown, std::string_view surveyId, std::string_view version, std::string_view answers) {
        m_buffer.append("{\"unit\":");
        appendJsonString(shown.unit, m_buffer);
        m_buffer.append(",\"group\":");
        appendJsonString(shown.group, m_buffer);
        m_buffer.append(",\"period\":");
        appendJsonString(shown.period, m_buffer);
        m_buffer.append(",\"survey_id\":");
        appendJsonString(surveyId, m_buffer);
        m_buffer.append(",\"survey_version\":");
        appendJsonString(version, m_buffer);
        m_buffer.append(",\"locale\":");
        appendJsonString(shown.locale, m_buffer);
        m_buffer.append(",\"answers\":");
        if (std::find(shown.withheld.begin(), shown.withheld.end(), true) == shown.withheld.end()) {
            m_buffer.append(answers);
        } else {
            // Some identifying answer is withheld (for every row alike): the members are copied as stored,
            // less those, and the names withheld listed.
            m_buffer.push_back('{');
            bool first = true;
            JsonScanner members(answers);
            (void)members.members(m_key, [&](std::string_view key, std::string_view value) {
                for (std::size_t i = 0; i < m_identifying.size(); ++i) {
                    if (shown.withheld[i] && key == m_identifying[i]) return true;
                }
                if (!first) m_buffer.push_back(',');
                first = false;
                appendJsonString(key, m_buffer);
                m_buffer.push_back(':');
                m_buffer.append(value);
                return true;
            });
            m_buffer.append("},\"withheld\":[");
            first = true;
            for (std::size_t i = 0; i < m_identifying.size(); ++i) {
                if (!shown.withheld[i]) continue;
                if (!first) m_buffer.push_back(',');
                first = false;
                appendJsonString(m_identifying[i], m_buffer);
            }
            m_buffer.push_back(']');
        }
        m_buffer.append("}\n");
        if (m_buffer.size() >= kChunk) flush();
    }

    bool finish() {
        flush();
        return m_ok;
    }
    [[nodiscard]] bool ok() const { return m_ok; }

private:
    void flush() {
        if (m_ok && !m_buffer.empty()) m_ok = m_sink(m_buffer);
        m_buffer.clear();
    }

    const ExportSink& m_sink;
    std::vector<std::string> m_identifying;
    std::string m_buffer;
    std::string m_key;
    bool m_ok = true;
};

// The quasi-identifiers of a response at the finest level (anonymise.hpp); identifying answers as their
// raw JSON text ("" when unanswered), which the exporter fills as it reads the answers.
//
// The unit comes pre-generalised to what the round's report shows (UnitShown): a row names its unit only
// where the report shows that unit's respondents, else its group where the report shows the group's, else
// neither ("*"), and where the report hides even the municipality's, the row is withheld. So counting the
// rows of an export never gives a figure the report hides, and nothing the report shows can be subtracted
// from the export to single out a row: the export adds no withheld rows of its own (k-anonymity is then
// reached by generalising only).
struct UnitShown {
    std::string unit;   ///< the unit id, or "*"
    std::string group;  ///< the group as the round has it, or "*"
};

class QuasiReader {
public:
    QuasiReader(const ExportPlan& plan, std::map<std::string, UnitShown> units) : m_units(std::move(units)) {
        m_row.identifying.resize(plan.identifying.size());
    }

    // Fills row() from a response, but for its identifying answers.
    void read(const StoredResponse& response) {
        // Rows come in table order, a unit's together: look its unit up only when it changes.
        if (!m_looked || response.unitId != m_lastUnit) {
            const auto unit = m_units.find(response.unitId);
            m_withheld = unit == m_units.end();
            m_row.unit = m_withheld ? std::string(kWithheld) : unit->second.unit;
            m_row.group = m_withheld ? std::string(kWithheld) : unit->second.group;
            m_lastUnit = response.unitId;
            m_looked = true;
        }
        m_row.week = response.period;
        m_row.locale = response.locale;
    }
    // The row read last; its identifying answers are the exporter's to fill (it reads the answers anyway).
    [[nodiscard]] QuasiIdentifiers& row() { return m_row; }
    /// The report hides every figure this row is counted in.
    [[nodiscard]] bool withheld() const { return m_withheld; }

private:
    std::map<std::string, UnitShown> m_units;
    std::string m_lastUnit;
    bool m_looked = false;
    bool m_withheld = false;
    QuasiIdentifiers m_row;
};

// The rows as the first pass reads them, in table order (unit, week, id), put back into the order of their
// random ids: a row's place must not tell its unit or week where those are generalised (rows of one unit,
// or of one week, side by side would). Reading in id order instead costs a table lookup a row, ten times
// the time (docs/benchmarks.md#exports), so the rows go into 64 unnamed temporary files by the first bits
// of their id, and each file is sorted in memory and handed out in turn: memory stays at a 64th of the
// export. The files are unlinked from the start (tmpfile) and vanish with the process whatever happens.
// They hold no more than the store: each row's answers as the export formats them, its quasi-identifiers
// not yet generalised (pass 2 does that once the plan is made), and its id for the sort.
class IdOrder {
public:
    static constexpr std::size_t kBuckets = 64;

    [[nodiscard]] Status open() {
        for (auto& bucket : m_buckets) {
            bucket.file.reset(std::tmpfile());
            if (!bucket.file) return Error{"cannot make a temporary file for the export: " + shared::systemMessage(errno)};
            bucket.buffer.reserve(kSpillAt + 4096);
        }
        return {};
    }

    [[nodiscard]] bool add(std::string_view id, std::string_view text) {
        Bucket& bucket = m_buckets[bucketOf(id)];
        const std::uint32_t sizes[2] = {static_cast<std::uint32_t>(id.size()), static_cast<std::uint32_t>(text.size())};
        bucket.buffer.append(reinterpret_cast<const char*>(sizes), sizeof sizes);
        bucket.buffer.append(id);
        bucket.buffer.append(text);
        return bucket.buffer.size() < kSpillAt || spill(bucket);
    }

    // Calls visit(text) for every row in id order, until it returns false; an error when a file cannot be
    // read back.
    template <typename Visit>
    [[nodiscard]] Status forEach(Visit&& visit) {
        std::string bytes;
        std::vector<std::pair<std::string_view, std::string_view>> rows;
        for (auto& bucket : m_buckets) {
            bytes.resize(bucket.spilled);
            if (!readAll(::fileno(bucket.file.get()), bytes)) return Error{"cannot read back a temporary file of the export"};
            bucket.file.reset();  // closed: it is gone
            bytes.append(bucket.buffer);
            std::string().swap(bucket.buffer);
            rows.clear();
            for (std::size_t at = 0; at + 8 <= bytes.size();) {
                std::uint32_t sizes[2];
                std::memcpy(sizes, bytes.data() + at, sizeof sizes);
                at += sizeof sizes;
                const std::string_view id(bytes.data() + at, sizes[0]);
                const std::string_view text(bytes.data() + at + sizes[0], sizes[1]);
                at += std::size_t{sizes[0]} + sizes[1];
                rows.emplace_back(id, text);
            }
            std::sort(rows.begin(), rows.end());
            for (const auto& row : rows) {
                if (!visit(row.second)) return {};
            }
        }
        return {};
    }

private:
    // Each bucket gathers this much before it goes to its file in one write (stdio's 4 KiB buffers made
    // a system call every few rows): 4 MiB for the 64.
    static constexpr std::size_t kSpillAt = 64 * 1024;

    struct Close {
        void operator()(std::FILE* file) const { std::fclose(file); }
    };
    struct Bucket {
        std::unique_ptr<std::FILE, Close> file;  // written and read through its descriptor only
        std::string buffer;                      // not yet in the file
        std::size_t spilled = 0;                 // bytes in the file
    };

    static bool spill(Bucket& bucket) {
        if (!shared::writeAll(::fileno(bucket.file.get()), bucket.buffer)) return false;
        bucket.spilled += bucket.buffer.size();
        bucket.buffer.clear();
        return true;
    }
    static bool readAll(int fd, std::string& bytes) {
        std::size_t at = 0;
        while (at < bytes.size()) {
            const ssize_t got = ::pread(fd, bytes.data() + at, bytes.size() - at, static_cast<off_t>(at));
            if (got < 0 && errno == EINTR) continue;
            if (got <= 0) return false;
            at += static_cast<std::size_t>(got);
        }
        return true;
    }
    static std::size_t bucketOf(std::string_view id) {
        const auto hex = [](char c) -> std::size_t {
            if (c >= '0' && c <= '9') return static_cast<std::size_t>(c - '0');
            if (c >= 'a' && c <= 'f') return static_cast<std::size_t>(c - 'a' + 10);
            return 0;
        };
        if (id.size() < 2) return 0;
        return hex(id[0]) * 4 + hex(id[1]) / 4;  // ids are lowercase v4 UUIDs (PROTOCOL.md)
    }

    std::array<Bucket, kBuckets> m_buckets;
};

// What the read keeps of a row for the rows in id order: its quasi-identifiers, then what the exporter
// made of it. Each string is its length (4 bytes) and its bytes.
void appendField(std::string_view text, std::string& record) {
    const auto size = static_cast<std::uint32_t>(text.size());
    record.append(reinterpret_cast<const char*>(&size), sizeof size);
    record.append(text);
}

std::string_view takeField(std::string_view& record) {
    std::uint32_t size = 0;
    std::memcpy(&size, record.data(), sizeof size);
    const std::string_view text = record.substr(sizeof size, size);
    record.remove_prefix(sizeof size + size);
    return text;
}

template <typename Exporter>
Result<ExportResult> stream(Storage& storage, const ExportPlan& plan, Exporter& exporter, std::string& pending, bool& direct,
                            const ExportSink& sink, const ExportProgress& progress, const ExportCheck& beforeRows) {
    const ResponseFilter filter{plan.surveyId, plan.version, plan.round};
    ReportRequest ask;
    ask.surveyId = plan.surveyId;
    ask.version = plan.version;
    ask.round = plan.round;
    auto report = buildReport(storage, ask);
    if (!report) return report.error();
    const auto shown = [&](ReportRow::Kind kind, const std::string& id) {
        const ReportRow* row = report->find(kind, id);
        return row != nullptr && row->respondents.shown();
    };
    std::map<std::string, UnitShown> units;
    const bool totalShown = shown(ReportRow::Kind::Total, "");
    for (const ReportRow& row : report->rows) {
        if (row.kind != ReportRow::Kind::Unit) continue;
        if (row.respondents.shown()) units[row.id] = {row.id, row.group};
        else if (shown(ReportRow::Kind::Group, row.group)) units[row.id] = {std::string(kWithheld), row.group};
        else if (totalShown) units[row.id] = {std::string(kWithheld), std::string(kWithheld)};
    }
    QuasiReader reader(plan, std::move(units));

    // The one read of the round, in table order: count the combinations for the plan, and keep each row,
    // its quasi-identifiers and its formatted answers, in IdOrder. No row is withheld to reach k (a
    // withheld row could be worked out from the report's figures): only generalised.
    KAnonymiser anonymiser(plan.k, plan.identifying, 0.0);
    IdOrder order;
    if (Status opened = order.open(); !opened) return Error{opened.message()};
    std::int64_t total = 0;
    std::int64_t hidden = 0;
    std::string problem;
    bool kept = true;
    std::string record;
    std::string body;
    Status status = storage.forEachResponseOf(filter, [&](const StoredResponse& response) {
        reader.read(response);
        if (reader.withheld()) {
            ++hidden;
            return true;
        }
        QuasiIdentifiers& quasi = reader.row();
        body.clear();
        problem = exporter.body(response, body, quasi.identifying);
        if (!problem.empty()) return false;
        anonymiser.add(quasi);
        ++total;
        record.clear();
        for (const std::string_view field : {std::string_view(quasi.unit), std::string_view(quasi.group), std::string_view(quasi.week),
                                             std::string_view(quasi.locale)}) {
            appendField(field, record);
        }
        for (const std::string& answer : quasi.identifying) appendField(answer, record);
        record.append(body);
        kept = order.add(response.id, record);
        return kept;
    });
    if (!status) return Error{status.message()};
    if (!problem.empty()) return Error{problem};
    if (!kept) return Error{"cannot write a temporary file of the export (is the disk full?)"};
    const KAnonymiser::Plan chosen = anonymiser.plan();
    const Generalisation& levels = chosen.generalisation;
    std::string explanation = chosen.explanation;
    if (hidden > 0) {
        explanation += (explanation.empty() ? "" : " ") + std::string("Responses whose figures the round's report hides altogether "
                       "(a municipality, group or unit figure of fewer than ") + std::to_string(plan.k) +
                       " respondents, or one hidden to protect such a figure) are not in the export.";
    }
    const ExportResult result{total - chosen.withheld, chosen.withheld + hidden, explanation};
    // Nothing has gone out yet: the caller may refuse (e.g. when the audit log cannot be written).
    if (beforeRows) {
        if (Status ok = beforeRows(result); !ok) return Error{ok.message()};
    }
    if (!sink(pending)) return Error{"the output took no more data"};
    pending.clear();
    direct = true;
    if (progress) progress(0, result.rows);

    // The rows that stand in combinations of at least k, generalised, in id order.
    std::int64_t done = 0;
    Shown display;
    display.withheld.resize(plan.identifying.size());
    for (std::size_t i = 0; i < plan.identifying.size(); ++i) display.withheld[i] = i >= levels.identifying.size() || levels.identifying[i] > 0;
    // With nothing withheld by the plan (always, at the 0 % limit, unless the round is under k) every row is
    // shown at the plan's levels: no lookup of its combination is needed.
    const bool lookUp = chosen.withheld > 0;
    QuasiIdentifiers quasi;
    quasi.identifying.resize(plan.identifying.size());
    status = order.forEach([&](std::string_view row) {
        const std::string_view unit = takeField(row);
        const std::string_view group = takeField(row);
        const std::string_view week = takeField(row);
        const std::string_view locale = takeField(row);
        if (lookUp) {
            quasi.unit.assign(unit);
            quasi.group.assign(group);
            quasi.week.assign(week);
            quasi.locale.assign(locale);
            for (std::string& answer : quasi.identifying) answer.assign(takeField(row));
            if (!anonymiser.apply(quasi)) return true;
        } else {
            for (std::size_t i = 0; i < plan.identifying.size(); ++i) (void)takeField(row);
        }
        const std::string_view groupShown = group.empty() ? kNoGroup : group;
        display.unit = levels.unit == 0 ? unit : kWithheld;
        display.group = levels.unit <= 1 ? groupShown : kWithheld;
        display.period = levels.period == 0 ? week : std::string_view(plan.round);
        display.locale = levels.locale == 0 ? locale : kWithheld;
        exporter.row(display, plan.surveyId, plan.version, row);
        if (!exporter.ok()) return false;
        ++done;
        if (progress && done % kProgressEvery == 0) progress(done, result.rows);
        return true;
    });
    if (!status) return Error{status.message()};
    if (!exporter.ok() || !exporter.finish()) {
        return Error{"the export stopped after " + std::to_string(done) + " of " + std::to_string(result.rows) +
                     " responses: the output took no more data"};
    }
    if (progress) progress(done, result.rows);
    return ExportResult{done, result.withheld, explanation};
}

std::string listSurveys(const std::vector<PublishedSurvey>& surveys) {
    std::string text;
    std::vector<std::string> seen;
    for (const auto& survey : surveys) {
        if (std::find(seen.begin(), seen.end(), survey.surveyId) != seen.end()) continue;
        seen.push_back(survey.surveyId);
        std::string versions;
        for (const auto& other : surveys) {
            if (other.surveyId == survey.surveyId) versions += (versions.empty() ? "" : ", ") + other.version;
        }
        text += (text.empty() ? "" : "; ") + survey.surveyId + " (" + versions + ")";
    }
    return text;
}


}  // namespace

Result<ExportFormat> parseExportFormat(std::string_view name) {
    if (name == "csv") return ExportFormat::Csv;
    if (name == "csv-da") return ExportFormat::CsvDanish;
    if (name == "jsonl") return ExportFormat::Jsonl;
    return Error{"unknown export format '" + std::string(name) + "'; use csv, csv-da or jsonl"};
}

std::string_view exportFormatName(ExportFormat format) {
    switch (format) {
        case ExportFormat::Csv: return "csv";
        case ExportFormat::CsvDanish: return "csv-da";
        case ExportFormat::Jsonl: return "jsonl";
    }
    return "csv";
}

std::string_view exportContentType(ExportFormat format) {
    return format == ExportFormat::Jsonl ? "application/x-ndjson; charset=utf-8" : "text/csv; charset=utf-8";
}

std::string ExportPlan::describe() const {
    return "survey " + surveyId + " " + version + ", round " + round + ", " + std::string(exportFormatName(format)) + ", k=" + std::to_string(k);
}

std::string ExportPlan::fileName() const {
    std::string name = "svarboks-" + surveyId + "-" + version + "-" + round;
    for (char& c : name) {
        const bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
        if (!safe) c = '_';
    }
    switch (format) {
        case ExportFormat::Csv: return name + ".csv";
        case ExportFormat::CsvDanish: return name + "-da.csv";
        case ExportFormat::Jsonl: return name + ".jsonl";
    }
    return name;
}

Result<ExportPlan> planExport(Storage& storage, const ExportOptions& options) {
    try {
        ExportPlan plan{options.format, options.surveyId, options.version, options.round, kDefaultK, {}, {}, {}};
        if (!options.version.empty() && options.surveyId.empty()) return Error{"a survey version needs its survey id too (--survey ID)"};
        auto rounds = releasedRounds(storage);
        if (!rounds) return rounds.error();
        if (rounds->empty()) {
            return Error{"no round has been released yet: responses are exported only from released rounds "
                         "(svarboks-central rounds add, then rounds release once the round has ended)"};
        }
        if (plan.round.empty()) plan.round = rounds->back().id;
        const auto round = std::find_if(rounds->begin(), rounds->end(), [&](const Round& r) { return r.id == plan.round; });
        if (round == rounds->end()) {
            std::string names;
            for (const auto& r : *rounds) names += (names.empty() ? "" : ", ") + r.id;
            return Error{"round '" + plan.round + "' is not a released round (released: " + names + ")"};
        }
        plan.k = std::max(round->k, kMinimumK);

        auto surveys = storage.surveys();
        if (!surveys) return surveys.error();
        if (surveys->empty()) return Error{"no survey is published yet, so no response is stored"};
        if (plan.surveyId.empty()) {
            std::set<std::string> ids;
            for (const auto& survey : *surveys) ids.insert(survey.surveyId);
            if (ids.size() > 1) {
                return Error{"several surveys are published: " + listSurveys(*surveys) +
                             "; an export holds one survey version: say which (--survey ID [--version V])"};
            }
            plan.surveyId = *ids.begin();
        }
        const PublishedSurvey* latest = nullptr;
        const PublishedSurvey* chosen = nullptr;
        for (const auto& survey : *surveys) {
            if (survey.surveyId != plan.surveyId) continue;
            latest = &survey;
            if (survey.version == plan.version) chosen = &survey;
        }
        if (latest == nullptr) return Error{"there is no published survey '" + plan.surveyId + "'; published: " + listSurveys(*surveys)};
        if (!plan.version.empty() && chosen == nullptr) {
            std::vector<PublishedSurvey> same;
            std::copy_if(surveys->begin(), surveys->end(), std::back_inserter(same), [&](const auto& s) { return s.surveyId == plan.surveyId; });
            return Error{"survey " + plan.surveyId + " has no published version '" + plan.version + "'; published: " + listSurveys(same)};
        }
        if (plan.version.empty()) plan.version = latest->version;

        auto definition = storage.surveyDefinition(plan.surveyId, plan.version);
        if (!definition) return definition.error();
        const std::string name = "survey " + plan.surveyId + " " + plan.version + " as published";
        if (!*definition) return Error{name + ": its definition is missing from the store"};
        const shared::LoadResult loaded = shared::parseSurvey(**definition, name);
        if (!loaded.ok()) {
            for (const auto& diagnostic : loaded.diagnostics) {
                if (diagnostic.severity == shared::Diagnostic::Severity::Error) return Error{diagnostic.format()};
            }
            return Error{name + ": does not load"};
        }
        for (const auto& element : loaded.survey->elements) {
            if (element.isQuestion()) plan.questions.push_back(element.name);
            if (element.isQuestion() && element.identifying) plan.identifying.push_back(element.name);
        }
        plan.survey = std::make_shared<const shared::Survey>(*loaded.survey);
        return plan;
    } catch (const std::exception& e) {
        return Error{std::string("cannot plan the export: ") + e.what()};
    }
}

Result<ExportResult> exportResponses(Storage& storage, const ExportPlan& plan, const ExportSink& sink, const ExportProgress& progress,
                                     const ExportCheck& beforeRows) {
    try {
        if (plan.surveyId.empty() || plan.version.empty() || plan.round.empty()) {
            return Error{"an export needs one survey version and one released round (planExport chooses them)"};
        }
        if (plan.k < kMinimumK) return Error{"k must be at least " + std::to_string(kMinimumK)};
        // The exporters write their header into `pending`, which reaches `sink` once the first pass is done
        // and checked; the rows then go to `sink` directly (`direct`).
        std::string pending;
        bool direct = false;
        const ExportSink capture = [&](std::string_view chunk) {
            if (direct) return sink(chunk);
            pending.append(chunk);
            return true;
        };
        if (plan.format == ExportFormat::Jsonl) {
            JsonlExporter exporter(plan, capture);
            return stream(storage, plan, exporter, pending, direct, sink, progress, beforeRows);
        }
        CsvExporter exporter(plan, capture);
        if (!exporter.finish()) return Error{"the export's header could not be written"};
        return stream(storage, plan, exporter, pending, direct, sink, progress, beforeRows);
    } catch (const std::exception& e) {
        return Error{std::string("the export failed: ") + e.what()};
    }
}

Result<ExportResult> exportResponses(Storage& storage, const ExportOptions& options, const ExportSink& sink, const ExportProgress& progress,
                                     const ExportCheck& beforeRows) {
    auto plan = planExport(storage, options);
    if (!plan) return plan.error();
    return exportResponses(storage, *plan, sink, progress, beforeRows);
}

Result<ExportResult> exportToFile(Storage& storage, const ExportPlan& plan, const fs::path& file, const ExportProgress& progress,
                                  const ExportCheck& beforeRows) {
    std::error_code ec;
    if (fs::is_directory(file, ec)) return Error{file.string() + ": is a folder; give a file name"};
    auto out = shared::AtomicFile::create(file);
    if (!out) return out.error();

    Status wrote;
    off_t written = 0;
    off_t flushed = 0;
    const ExportSink sink = [&](std::string_view chunk) {
        wrote = out->write(chunk);
        if (!wrote) return false;
        written += static_cast<off_t>(chunk.size());
        // The disk starts on what is written while the rest is made, so the fsync at the end finds
        // little left to do (a 500 MB JSON Lines export waited about half a second for it).
        if (written - flushed >= kWriteBackEvery) {
            (void)::sync_file_range(out->fd(), flushed, written - flushed, SYNC_FILE_RANGE_WRITE);
            flushed = written;
        }
        return true;
    };
    auto exported = exportResponses(storage, plan, sink, progress, beforeRows);
    constexpr const char* kNoFile = "; no file was written";
    if (!wrote) return Error{wrote.message() + kNoFile};
    if (!exported) return Error{exported.error().message + kNoFile};
    if (auto committed = out->commit(); !committed) return Error{committed.message() + (out->committed() ? "" : kNoFile)};
    return exported;
}

// ---- progress ----

TerminalProgress::TerminalProgress(std::ostream& out, Now now) : m_out(out), m_now(std::move(now)) {}

void TerminalProgress::update(std::int64_t done, std::int64_t total) {
    m_done = done;
    m_total = total;
    const auto now = m_now();
    if (m_shown && now - m_last < std::chrono::milliseconds(200)) return;
    m_last = now;
    show();
}

void TerminalProgress::finish() {
    show();
    m_out << '\n' << std::flush;
}

void TerminalProgress::show() {
    const std::int64_t total = std::max(m_total, m_done);
    const std::int64_t percent = total == 0 ? 100 : m_done * 100 / total;
    std::string line = "Exporting: " + std::to_string(m_done) + " of " + std::to_string(total) + " responses (" + std::to_string(percent) + " %)";
    const std::size_t width = line.size();
    if (line.size() < m_width) line.append(m_width - line.size(), ' ');
    m_width = width;
    m_shown = true;
    m_out << '\r' << line << std::flush;
}

}  // namespace svarboks::server
