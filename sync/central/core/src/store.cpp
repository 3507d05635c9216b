#include "svarboks/server/store.hpp"

#include "svarboks/server/postgresql_storage.hpp"
#include "svarboks/server/sqlite_storage.hpp"

#include <filesystem>
#include <system_error>

namespace svarboks::server {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kPostgresql = "postgresql://";
constexpr std::string_view kPostgres = "postgres://";

bool startsWith(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

Result<std::unique_ptr<Storage>> openPostgres(const DataDir& dir) {
    auto store = PostgresStorage::open(dir.database);
    if (!store) return store.error();
    return std::unique_ptr<Storage>(std::move(*store));
}

// An engine's error may quote the URL it was given: never with its password.
Result<std::unique_ptr<Storage>> withoutPassword(Result<std::unique_ptr<Storage>> opened, const std::string& url) {
    if (opened) return opened;
    std::string message = opened.error().message;
    const std::string shown = redactDatabaseUrl(url);
    for (std::size_t at = message.find(url); at != std::string::npos; at = message.find(url, at + shown.size())) message.replace(at, url.size(), shown);
    return Error{message};
}

}  // namespace

bool isPostgresUrl(std::string_view database) { return startsWith(database, kPostgresql) || startsWith(database, kPostgres); }

std::string redactDatabaseUrl(std::string_view database) {
    if (!isPostgresUrl(database)) return "(a --database value that is not a postgresql:// URL)";
    const std::size_t schemeEnd = database.find("://") + 3;
    std::string_view rest = database.substr(schemeEnd);
    // The authority ends at the first '/', '?' or '#'; its user information at its last '@'.
    const std::size_t authorityEnd = std::min(rest.find_first_of("/?#"), rest.size());
    std::string_view authority = rest.substr(0, authorityEnd);
    std::string out(database.substr(0, schemeEnd));
    if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
        const std::string_view userInfo = authority.substr(0, at);
        out += std::string(userInfo.substr(0, userInfo.find(':'))) + "@";
        authority.remove_prefix(at + 1);
    }
    out += std::string(authority);
    std::string_view tail = rest.substr(authorityEnd);
    const std::size_t query = tail.find('?');
    out += std::string(tail.substr(0, query));
    if (query == std::string_view::npos) return out;
    // Parameters but the password (libpq takes password=... in the query too).
    std::string_view parameters = tail.substr(query + 1);
    std::string kept;
    while (!parameters.empty()) {
        const std::size_t amp = std::min(parameters.find('&'), parameters.size());
        const std::string_view parameter = parameters.substr(0, amp);
        if (!startsWith(parameter, "password=") && parameter != "password") kept += (kept.empty() ? "" : "&") + std::string(parameter);
        parameters.remove_prefix(std::min(amp + 1, parameters.size()));
    }
    if (!kept.empty()) out += "?" + kept;
    return out;
}

std::string describeStore(const DataDir& dir) { return dir.database.empty() ? dir.store().string() : redactDatabaseUrl(dir.database); }

Result<std::unique_ptr<Storage>> openStore(const DataDir& dir, StoreOpening opening) {
    if (!dir.database.empty()) {
        if (!isPostgresUrl(dir.database)) {
            return Error{"--database: expected a postgresql:// (or postgres://) URL, or nothing for the SQLite store in the data folder"};
        }
        return withoutPassword(openPostgres(dir), dir.database);
    }
    std::error_code ec;
    if (opening == StoreOpening::Existing && !fs::exists(dir.store(), ec)) {
        return Error{dir.root.string() + " holds no central store; run: svarboks-central init --data " + dir.root.string()};
    }
    auto store = SqliteStorage::open(dir.store());
    if (!store) return store.error();
    return std::unique_ptr<Storage>(std::move(*store));
}

}  // namespace svarboks::server
