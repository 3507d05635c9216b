#include "svarboks/shared/readability.hpp"

#include "svarboks/shared/survey.hpp"

namespace svarboks::shared {

namespace {

// A byte of a word: an ASCII letter or digit, or any byte of a multi-byte UTF-8 character (æ, ø, å, é...).
bool wordByte(unsigned char c) { return c >= 0x80 || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'); }

}  // namespace

Lix lix(std::string_view text) {
    Lix result;
    std::size_t letters = 0;  // in the current word, as UTF-8 code points
    bool open = false;        // words since the last sentence's end
    const auto endWord = [&] {
        if (letters == 0) return;
        ++result.words;
        open = true;
        if (letters > 6) ++result.longWords;
        letters = 0;
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (wordByte(c)) {
            if ((c & 0xC0) != 0x80) ++letters;  // not a continuation byte: a new character
            continue;
        }
        // A hyphen, full stop or comma between two characters of a word joins them: "PIN-kode", "1.1", "2,5".
        const bool joins = (c == '-' || c == '.' || c == ',') && letters > 0 && i + 1 < text.size() && wordByte(static_cast<unsigned char>(text[i + 1]));
        if (joins) continue;
        endWord();
        const bool ends = c == '.' || c == '!' || c == '?' || c == ':';
        if (ends && open && (i + 1 == text.size() || text[i + 1] == ' ' || text[i + 1] == '\n')) {
            ++result.sentences;
            open = false;
        }
    }
    endWord();
    if (open) ++result.sentences;  // the last sentence, without punctuation at its end
    if (result.words == 0) return result;
    result.value = static_cast<double>(result.words) / static_cast<double>(result.sentences) +
                   100.0 * static_cast<double>(result.longWords) / static_cast<double>(result.words);
    return result;
}

std::vector<QuestionLix> danishQuestionLix(const Survey& survey) {
    std::vector<QuestionLix> result;
    for (const auto& element : survey.elements) {
        if (!element.isQuestion()) continue;
        const bool danish = element.title.byLocale().count("da") || (element.title.isPlain() && survey.defaultLocale == "da");
        if (danish) result.push_back({element.name, element.pointer + "/title", lix(element.title.text("da", survey.defaultLocale))});
    }
    return result;
}

}  // namespace svarboks::shared
