#pragma once
// How an account's scope is kept in its column by both engines (sqlite/, postgresql/): one entry a line.
// One definition, so that `migrate` copies the column as it is and both engines read it alike.
#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

namespace svarboks::server {

inline std::vector<std::string> scopeFrom(const std::string& text) {
    std::vector<std::string> scope;
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t end = std::min(text.find('\n', start), text.size());
        if (end > start) scope.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return scope;
}

inline std::string scopeText(const std::vector<std::string>& scope) {
    std::string text;
    for (const auto& entry : scope) text += (text.empty() ? "" : "\n") + entry;
    return text;
}

}  // namespace svarboks::server
