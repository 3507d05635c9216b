#pragma once
// Which engine the server suites run on: SQLite files by default; with SVARBOKS_TEST_DATABASE set to a
// PostgreSQL URL (tests/postgresql/with_cluster.sh sets it for the *_postgresql suites), each fixture gets
// a fresh database of its own on that server, dropped at its end.
//
// Cases that are about SQLite itself (its files, WAL, integrity_check, backups) or that drive the
// svarboks-central binary on a data folder (it opens the folder's SQLite store) start with
// SVARBOKS_SQLITE_ONLY("why"): on PostgreSQL they say why in the output and pass without running.
#include "svarboks/server/postgresql_storage.hpp"
#include "svarboks/server/sqlite_storage.hpp"
#include "svarboks/shared/hashing.hpp"

#include <doctest/doctest.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace svarboks::test {

/// The PostgreSQL server the suites run on, if any.
inline std::optional<std::string> testDatabaseUrl() {
    const char* url = std::getenv("SVARBOKS_TEST_DATABASE");
    if (url == nullptr || *url == '\0') return std::nullopt;
    return std::string(url);
}

inline bool onPostgres() { return testDatabaseUrl().has_value(); }

#define SVARBOKS_SQLITE_ONLY(why)                                 \
    do {                                                          \
        if (::svarboks::test::onPostgres()) {                     \
            MESSAGE("skipped on PostgreSQL: " why);               \
            return;                                               \
        }                                                         \
    } while (false)

/// `url` with another database name.
inline std::string withDatabase(const std::string& url, const std::string& name) {
    const auto query = url.find('?');
    const auto slash = url.rfind('/', query == std::string::npos ? std::string::npos : query);
    return url.substr(0, slash + 1) + name + (query == std::string::npos ? "" : url.substr(query));
}

/// Runs `sql` (no parameters) on the database at `url`; fails the test case on an error.
inline std::vector<std::vector<std::optional<std::string>>> pgRows(const std::string& url, const std::string& sql) {
    PGconn* conn = PQconnectdb(url.c_str());
    REQUIRE_MESSAGE(PQstatus(conn) == CONNECTION_OK, PQerrorMessage(conn));
    PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
    PGresult* result = PQexec(conn, sql.c_str());
    const auto status = PQresultStatus(result);
    const std::string error = PQresultErrorMessage(result);
    std::vector<std::vector<std::optional<std::string>>> rows;
    for (int r = 0; r < PQntuples(result); ++r) {
        auto& row = rows.emplace_back();
        for (int c = 0; c < PQnfields(result); ++c) {
            if (PQgetisnull(result, r, c) != 0) row.emplace_back(std::nullopt);
            else row.emplace_back(std::string(PQgetvalue(result, r, c), static_cast<std::size_t>(PQgetlength(result, r, c))));
        }
    }
    PQclear(result);
    PQfinish(conn);
    REQUIRE_MESSAGE((status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK), (sql + ": " + error));
    return rows;
}

/// A database of its own on the test server, made at construction and dropped (connections and all) at the end.
class TestDatabase {
public:
    explicit TestDatabase(std::string serverUrl)
        : m_serverUrl(std::move(serverUrl)), m_name("svarboks_test_" + shared::sha256Hex(shared::randomBytes(16)).substr(0, 16)) {
        pgRows(m_serverUrl, "CREATE DATABASE " + m_name);
    }
    TestDatabase(const TestDatabase&) = delete;
    TestDatabase& operator=(const TestDatabase&) = delete;
    ~TestDatabase() {
        PGconn* conn = PQconnectdb(m_serverUrl.c_str());
        if (PQstatus(conn) == CONNECTION_OK) PQclear(PQexec(conn, ("DROP DATABASE IF EXISTS " + m_name + " WITH (FORCE)").c_str()));
        PQfinish(conn);
    }
    [[nodiscard]] std::string url() const { return withDatabase(m_serverUrl, m_name); }

private:
    std::string m_serverUrl;
    std::string m_name;
};

/// The store a fixture uses: `file` on SQLite, or a fresh database (kept in `database`) on PostgreSQL.
inline std::unique_ptr<server::Storage> openTestStore(const std::filesystem::path& file, std::unique_ptr<TestDatabase>& database) {
    if (auto url = testDatabaseUrl()) {
        if (!database) database = std::make_unique<TestDatabase>(*url);
        auto opened = server::PostgresStorage::open(database->url());
        REQUIRE_MESSAGE(opened.ok(), (opened.ok() ? "" : opened.error().message));
        return std::move(*opened);
    }
    auto opened = server::SqliteStorage::open(file);
    REQUIRE_MESSAGE(opened.ok(), (opened.ok() ? "" : opened.error().message));
    return std::move(*opened);
}

/// The bytes of a bytea value as PostgreSQL prints it ("\\x" and hex digits), nullopt for any other text.
inline std::optional<std::string> byteaBytes(const std::string& text) {
    if (text.size() < 2 || text.compare(0, 2, "\\x") != 0 || text.size() % 2 != 0) return std::nullopt;
    const auto hex = [](char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1; };
    std::string bytes;
    for (std::size_t i = 2; i < text.size(); i += 2) {
        const int high = hex(text[i]);
        const int low = hex(text[i + 1]);
        if (high < 0 || low < 0) return std::nullopt;
        bytes += static_cast<char>(high * 16 + low);
    }
    return bytes;
}

/// Runs `sql` on the PostgreSQL database at `url` and hands each row to `row` as a SQLite statement (the
/// rows are copied into an in-memory SQLite table first, as text or NULL), so that the suites' checks of
/// what is stored read both engines alike.
inline void pgQueryAsSqlite(const std::string& url, const std::string& sql, const std::function<void(sqlite3_stmt*)>& row) {
    const auto rows = pgRows(url, sql);
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(":memory:", &db) == SQLITE_OK);
    const std::size_t columns = rows.empty() ? 1 : rows.front().size();
    std::string create = "CREATE TABLE r (";
    std::string insert = "INSERT INTO r VALUES (";
    for (std::size_t c = 0; c < columns; ++c) {
        create += (c == 0 ? "c" : ", c") + std::to_string(c);
        insert += c == 0 ? "?" : ", ?";
    }
    REQUIRE(sqlite3_exec(db, (create + ")").c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_stmt* add = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, (insert + ")").c_str(), -1, &add, nullptr) == SQLITE_OK);
    for (const auto& values : rows) {
        for (std::size_t c = 0; c < values.size(); ++c) {
            const int at = static_cast<int>(c) + 1;
            if (!values[c]) sqlite3_bind_null(add, at);
            else if (const auto bytes = byteaBytes(*values[c])) sqlite3_bind_blob(add, at, bytes->data(), static_cast<int>(bytes->size()), SQLITE_TRANSIENT);
            else sqlite3_bind_text(add, at, values[c]->c_str(), static_cast<int>(values[c]->size()), SQLITE_TRANSIENT);
        }
        REQUIRE(sqlite3_step(add) == SQLITE_DONE);
        sqlite3_reset(add);
    }
    sqlite3_finalize(add);
    sqlite3_stmt* read = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, "SELECT * FROM r ORDER BY rowid", -1, &read, nullptr) == SQLITE_OK);
    while (sqlite3_step(read) == SQLITE_ROW) row(read);
    sqlite3_finalize(read);
    sqlite3_close(db);
}

}  // namespace svarboks::test
