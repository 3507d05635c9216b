#pragma once
// Where a JSON pointer's value starts in a JSON text, as a line number: so that a lint problem in an
// uploaded survey ("/pages/1/elements/0/visibleIf") can also say "line 42" of the file as it was written.
// Pure functions; thread-safe.
#include <cstddef>
#include <map>
#include <string>
#include <string_view>

namespace svarboks::server {

/// The line (1-based) of every value in a JSON text, by JSON pointer ("" for the whole document). An object
/// member's line is that of its key. A text that is not valid JSON gives the values up to the first error.
class JsonLines {
public:
    explicit JsonLines(std::string_view json);

    /// The line of the value at `pointer`, or, when the text has no such value (a property that is
    /// missing), of its nearest parent that it has; 0 when not even the document could be read.
    [[nodiscard]] std::size_t lineOf(std::string_view pointer) const;

private:
    std::map<std::string, std::size_t, std::less<>> m_lines;
};

}  // namespace svarboks::server
