#pragma once
// A thin RAII layer over libpq for PostgresStorage: a connection, the rows of a result, and text
// parameters $1, $2, ... Nothing here throws; failures are values whose message carries PostgreSQL's
// reason and SQLSTATE (so that the pool can retry serialization failures and deadlocks).
#include "svarboks/shared/result.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

struct pg_conn;
struct pg_result;

namespace svarboks::server::pq {

using shared::Error;
using shared::Result;
using shared::Status;

/// Parameters of one statement, in order ($1, $2, ...): text, or bytes sent in binary (bytea), or NULL.
class Params {
public:
    Params& text(std::string value);
    Params& integer(std::int64_t value);
    Params& real(double value);
    Params& bytes(std::string value);
    Params& null();
    /// A text[] parameter (an array literal; every element quoted).
    Params& textArray(const std::vector<std::string>& values);

    [[nodiscard]] int size() const { return static_cast<int>(m_values.size()); }
    [[nodiscard]] std::vector<const char*> values() const;
    [[nodiscard]] std::vector<int> lengths() const;
    [[nodiscard]] const std::vector<int>& formats() const { return m_formats; }

private:
    std::vector<std::optional<std::string>> m_values;
    std::vector<int> m_formats;
};

/// The rows of a finished statement (text format).
class Rows {
public:
    Rows() = default;
    explicit Rows(pg_result* result);

    [[nodiscard]] int size() const;
    [[nodiscard]] bool empty() const { return size() == 0; }
    [[nodiscard]] bool isNull(int row, int column) const;
    [[nodiscard]] std::string text(int row, int column) const;
    /// Writes the text into `out` (reusing its capacity).
    void textInto(int row, int column, std::string& out) const;
    [[nodiscard]] std::int64_t integer(int row, int column) const;
    [[nodiscard]] double real(int row, int column) const;
    /// A bytea column (hex output) decoded into its bytes.
    [[nodiscard]] std::string bytes(int row, int column) const;
    /// How many rows an INSERT, UPDATE or DELETE touched.
    [[nodiscard]] std::int64_t affected() const;

private:
    struct Free {
        void operator()(pg_result* result) const;
    };
    std::shared_ptr<pg_result> m_result;
};

/// A failed statement: PostgreSQL's reason, and its SQLSTATE ("" when the connection failed).
struct Failure {
    std::string reason;
    std::string sqlState;
};

/// One connection to the server. Prepares each distinct statement once (cached by its SQL).
class Connection {
public:
    /// Connects; the error says why (PostgreSQL's or libpq's reason, never the password).
    [[nodiscard]] static Result<std::unique_ptr<Connection>> open(const std::string& url);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    /// Runs one statement with parameters (prepared on first use on this connection).
    [[nodiscard]] std::optional<Failure> exec(std::string_view sql, const Params& params, Rows& rows);
    /// Runs one statement with parameters, unprepared (DECLARE ... CURSOR, which cannot be prepared).
    [[nodiscard]] std::optional<Failure> execOnce(std::string_view sql, const Params& params, Rows& rows);
    /// Runs one or more statements without parameters (BEGIN, COMMIT, DDL).
    [[nodiscard]] std::optional<Failure> command(std::string_view sql, Rows* rows = nullptr);

    /// Runs `COPY ... FROM STDIN` (text format): sends what `next` puts into its buffer, a chunk a call,
    /// until it returns false. Holds one chunk in memory.
    [[nodiscard]] std::optional<Failure> copyIn(std::string_view sql, const std::function<bool(std::string& chunk)>& next);

    /// Whether the connection is usable and outside any transaction (a lease may be pooled again).
    [[nodiscard]] bool idle() const;

private:
    explicit Connection(pg_conn* connection) : m_conn(connection) {}
    [[nodiscard]] std::optional<Failure> check(pg_result* result, Rows& rows);
    [[nodiscard]] Failure connectionFailure() const;

    pg_conn* m_conn;
    std::unordered_map<std::string, std::string> m_prepared;  // SQL -> statement name
};

}  // namespace svarboks::server::pq
