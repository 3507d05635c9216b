#pragma once
// LIX, the Danish (and Swedish) readability index (Björnsson 1968): words per sentence plus the share of
// long words (more than six letters) in per cent. Under 25 is very easy, 25-34 easy, 35-44 medium
// (a newspaper), 45-54 hard, 55 and more very hard (an official text).
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace svarboks::shared {

/// Survey lint warns about a Danish question text above this LIX. The people at the kiosk include staff
/// with reading difficulties or Danish as a second language: "easy" (under 35) is the aim, and 40 leaves
/// room for one unavoidable long word ("velfærdsteknologi") in a short question, where a single word moves
/// the index a lot. docs/survey-format.md says more.
inline constexpr double kLixWarnAbove = 40;

struct Lix {
    double value = 0;
    std::size_t words = 0;
    std::size_t sentences = 0;
    std::size_t longWords = 0;  ///< more than six letters

    /// The index as it is reported: a whole number.
    [[nodiscard]] long rounded() const { return std::lround(value); }
    /// Whether survey lint warns about it: its reported value is above kLixWarnAbove.
    [[nodiscard]] bool tooHard() const { return static_cast<double>(rounded()) > kLixWarnAbove; }
};

/// The LIX of a text. A word is a run of letters and digits (UTF-8; a hyphen, full stop or comma inside it
/// joins, as in "PIN-kode" and "1.1"); a sentence ends at . ! ? or : followed by a space or the end, and
/// words after the last such end are a sentence too. 0 for a text without words.
[[nodiscard]] Lix lix(std::string_view text);

struct Survey;

struct QuestionLix {
    std::string name;
    std::string pointer;  ///< of the question's title
    Lix lix;
};

/// The LIX of each question's Danish title in survey order; questions without a Danish title are left out.
[[nodiscard]] std::vector<QuestionLix> danishQuestionLix(const Survey& survey);

}  // namespace svarboks::shared
