#pragma once
// What both engines (sqlite/, postgresql/) do alike with accounts: how a scope is kept in its column (one
// entry a line, so that `migrate` copies the column as it is), and the rule that a change never leaves
// the store without an enabled administrator (storage.hpp: kNoAdministratorLeft).
#include "svarboks/server/storage.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
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

/// Runs `change` inside the caller's write transaction and refuses it (the caller then rolls back) when it
/// took the store from some enabled administrators to none; `countEnabled` counts them in that transaction.
template <typename Count, typename Change>
Status keepingAnAdministrator(Count&& countEnabled, Change&& change) {
    Result<std::int64_t> before = countEnabled();
    if (!before) return Error{before.error().message};
    if (Status done = change(); !done) return done;
    Result<std::int64_t> after = countEnabled();
    if (!after) return Error{after.error().message};
    if (*before > 0 && *after == 0) return Error{std::string(kNoAdministratorLeft)};
    return {};
}

}  // namespace svarboks::server
