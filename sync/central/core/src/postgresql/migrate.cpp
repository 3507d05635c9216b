// migrateToPostgres: every table of a SQLite store into an empty PostgreSQL store, with COPY, in one
// transaction, checked by counting.
#include "svarboks/server/migrate.hpp"

#include "pq.hpp"
#include "pool.hpp"
#include "svarboks/server/postgresql_storage.hpp"
#include "svarboks/server/store.hpp"
#include "svarboks/server/sqlite_storage.hpp"
#include "svarboks/shared/sqlite.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <set>

namespace svarboks::server {

namespace {

namespace sqlite = shared::sqlite;
using shared::Error;
using shared::Result;
using shared::Status;

// What a replica keeps for minutes only (rate limits, values shown once): not copied.
const std::set<std::string> kTransient = {"attempt_buckets", "kept_once"};
// Tables others refer to come first (foreign keys are checked row by row).
constexpr std::array<std::string_view, 4> kFirst = {"units", "surveys", "users", "rounds"};

struct Column {
    std::string name;
    std::string type;  ///< PostgreSQL's data_type: text, bigint, integer, double precision, bytea
};

struct Table {
    std::string name;
    std::vector<Column> columns;
};

// One field in COPY's text format.
void appendField(std::string& line, const sqlite::Query& row, int column, const std::string& type) {
    if (row.isNull(column)) {
        line += "\\N";
        return;
    }
    if (type == "bigint" || type == "integer") {
        line += std::to_string(row.integerAt(column));
    } else if (type == "double precision") {
        std::array<char, 32> buffer{};
        const auto [end, error] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), row.realAt(column));
        line.append(buffer.data(), error == std::errc() ? end : buffer.data());
    } else if (type == "bytea") {
        static constexpr char kHex[] = "0123456789abcdef";
        line += "\\\\x";
        for (const char c : row.blobAt(column)) {
            const auto byte = static_cast<unsigned char>(c);
            line += kHex[byte >> 4];
            line += kHex[byte & 0xF];
        }
    } else {
        for (const char c : row.textAt(column)) {
            switch (c) {
                case '\\': line += "\\\\"; break;
                case '\n': line += "\\n"; break;
                case '\r': line += "\\r"; break;
                case '\t': line += "\\t"; break;
                default: line += c;
            }
        }
    }
}

std::string quoted(const std::string& name) { return "\"" + name + "\""; }

// The tables of the PostgreSQL store, with their columns in order, but the schema's own and the transient.
Result<std::vector<Table>> targetTables(pq::Connection& target, const std::string& prefix) {
    pq::Rows rows;
    if (auto failed = target.exec("SELECT table_name, column_name, data_type FROM information_schema.columns "
                                  "WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position",
                                  pq::Params(), rows)) {
        return Error{prefix + "cannot list its tables: " + failed->reason};
    }
    std::vector<Table> tables;
    for (int i = 0; i < rows.size(); ++i) {
        const std::string name = rows.text(i, 0);
        if (name == "svarboks_schema" || kTransient.count(name) != 0) continue;
        if (tables.empty() || tables.back().name != name) tables.push_back(Table{name, {}});
        tables.back().columns.push_back(Column{rows.text(i, 1), rows.text(i, 2)});
    }
    // Referenced tables first; the rest by name.
    std::stable_sort(tables.begin(), tables.end(), [](const Table& a, const Table& b) {
        const auto rank = [](const std::string& name) {
            const auto found = std::find(kFirst.begin(), kFirst.end(), name);
            return static_cast<std::size_t>(found - kFirst.begin());
        };
        return rank(a.name) < rank(b.name);
    });
    return tables;
}

// The primary key's columns of a PostgreSQL table, in key order: the order rows are copied in, so the copy
// holds no order of arrival.
Result<std::vector<std::string>> primaryKey(pq::Connection& target, const std::string& table, const std::string& prefix) {
    pq::Rows rows;
    if (auto failed = target.exec("SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) "
                                  "WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY array_position(i.indkey::int2[], a.attnum)",
                                  pq::Params().text(table), rows)) {
        return Error{prefix + "cannot read the key of " + table + ": " + failed->reason};
    }
    std::vector<std::string> key;
    for (int i = 0; i < rows.size(); ++i) key.push_back(rows.text(i, 0));
    return key;
}

// The columns of a SQLite table, in order.
Result<std::vector<std::string>> sourceColumns(sqlite::Database& source, const std::string& table) {
    auto query = source.query("SELECT name FROM pragma_table_info(?1)");
    query.text(1, table);
    std::vector<std::string> columns;
    if (!query.each([&] { columns.push_back(query.textAt(0)); })) return source.error("cannot read the columns of " + table);
    return columns;
}

Result<std::int64_t> sourceCount(sqlite::Database& source, const std::string& table) {
    auto query = source.query("SELECT count(*) FROM " + quoted(table));
    if (query.step() != sqlite::Step::Row) return source.error("cannot count " + table);
    return query.integerAt(0);
}

Result<std::int64_t> targetCount(pq::Connection& target, const std::string& table, const std::string& prefix) {
    pq::Rows rows;
    if (auto failed = target.command("SELECT count(*) FROM " + quoted(table), &rows)) return Error{prefix + "cannot count " + table + ": " + failed->reason};
    return rows.integer(0, 0);
}

std::string joined(const std::vector<std::string>& names) {
    std::string text;
    for (const auto& name : names) text += (text.empty() ? "" : ", ") + quoted(name);
    return text;
}

// Copies one table; the error says which and why.
Status copyTable(sqlite::Database& source, pq::Connection& target, const Table& table, const std::vector<std::string>& key,
                 const std::string& prefix) {
    std::vector<std::string> names;
    for (const auto& column : table.columns) names.push_back(column.name);
    auto rows = source.query("SELECT " + joined(names) + " FROM " + quoted(table.name) + (key.empty() ? "" : " ORDER BY " + joined(key)));
    bool failed = false;
    constexpr std::size_t kChunk = 1 << 20;
    auto copied = target.copyIn("COPY " + quoted(table.name) + " (" + joined(names) + ") FROM STDIN", [&](std::string& chunk) {
        while (chunk.size() < kChunk) {
            const sqlite::Step step = rows.step();
            if (step == sqlite::Step::Done) return false;
            if (step == sqlite::Step::Failed) {
                failed = true;
                return false;
            }
            for (std::size_t i = 0; i < table.columns.size(); ++i) {
                if (i > 0) chunk += '\t';
                appendField(chunk, rows, static_cast<int>(i), table.columns[i].type);
            }
            chunk += '\n';
        }
        return true;
    });
    if (failed) return source.error("cannot read " + table.name);
    if (copied) return Error{prefix + "cannot copy " + table.name + ": " + copied->reason};
    return {};
}

Status run(pq::Connection& target, std::string_view sql, const std::string& prefix) {
    if (auto failed = target.command(sql)) return Error{prefix + failed->reason};
    return {};
}

}  // namespace

Result<std::vector<MigratedTable>> migrateToPostgres(const std::filesystem::path& from, const std::string& url,
                                                     const std::function<void(const std::string& table, std::int64_t rows)>& progress) {
    try {
        // Both stores at this code's schema: the same tables and columns on both sides.
        {
            auto sqliteStore = SqliteStorage::open(from);
            if (!sqliteStore) return sqliteStore.error();
            auto postgresStore = PostgresStorage::open(url);
            if (!postgresStore) return postgresStore.error();
        }
        sqlite::Options options;
        options.name = "store";
        options.owner = "the server's user";
        options.busyTimeoutMs = SqliteStorage::kBusyTimeoutMs;
        options.readOnly = true;
        auto source = sqlite::Database::open(from, options);
        if (!source) return source.error();
        const std::string prefix = "store " + redactDatabaseUrl(url) + ": ";
        auto target = pq::Connection::open(url);
        if (!target) return Error{prefix + target.error().message};
        pq::Connection& pg = **target;

        auto tables = targetTables(pg, prefix);
        if (!tables) return tables.error();
        for (const auto& table : *tables) {
            auto columns = sourceColumns(*source, table.name);
            if (!columns) return columns.error();
            std::vector<std::string> expected;
            for (const auto& column : table.columns) expected.push_back(column.name);
            std::sort(expected.begin(), expected.end());
            std::sort(columns->begin(), columns->end());
            if (*columns != expected) {
                return Error{"the stores' schemas differ in table " + table.name + " (SQLite: " + joined(*columns) + "; PostgreSQL: " + joined(expected) +
                             "): this build cannot copy it"};
            }
        }

        sqlite::Transaction reading(*source);
        if (!reading.beginRead()) return source->error("cannot read");
        if (Status begun = run(pg, "BEGIN ISOLATION LEVEL READ COMMITTED", prefix); !begun) return Error{begun.message()};
        // No replica writes meanwhile (each takes this lock, shared or exclusive, for its writes).
        if (Status locked = run(pg, "SELECT pg_advisory_xact_lock(" + std::to_string(kStoreLock) + ")", prefix); !locked) return Error{locked.message()};
        for (const auto& table : *tables) {
            if (table.name == "settings") continue;  // the engine's own bookkeeping may be there already
            auto count = targetCount(pg, table.name, prefix);
            if (!count) return count.error();
            if (*count > 0) {
                return Error{prefix + "already holds a store (" + std::to_string(*count) + " rows in " + table.name +
                             "): migrate copies into an empty database only, and never merges or overwrites"};
            }
        }
        if (Status cleared = run(pg, "DELETE FROM settings", prefix); !cleared) return Error{cleared.message()};

        std::vector<MigratedTable> copied;
        for (const auto& table : *tables) {
            auto rows = sourceCount(*source, table.name);
            if (!rows) return rows.error();
            if (progress) progress(table.name, *rows);
            auto key = primaryKey(pg, table.name, prefix);
            if (!key) return key.error();
            if (Status done = copyTable(*source, pg, table, *key, prefix); !done) return Error{done.message()};
            auto arrived = targetCount(pg, table.name, prefix);
            if (!arrived) return arrived.error();
            if (*arrived != *rows) {
                return Error{prefix + table.name + " has " + std::to_string(*arrived) + " rows after the copy, the SQLite store " +
                             std::to_string(*rows) + ": nothing was kept"};
            }
            copied.push_back(MigratedTable{table.name, *rows});
        }
        // The audit log's numbering goes on after the copied entries.
        if (Status numbered = run(pg, "SELECT setval(pg_get_serial_sequence('audit', 'seq'), (SELECT coalesce(max(seq), 0) + 1 FROM audit), false)", prefix);
            !numbered) {
            return Error{numbered.message()};
        }
        if (Status committed = run(pg, "COMMIT", prefix); !committed) return Error{committed.message()};
        (void)run(pg, "ANALYZE", prefix);  // the planner's statistics for a store that arrived all at once
        return copied;
    } catch (const std::exception& e) {
        return Error{"migrate: " + std::string(e.what())};
    }
}

}  // namespace svarboks::server
