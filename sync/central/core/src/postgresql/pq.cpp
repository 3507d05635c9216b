#include "pq.hpp"

#include <libpq-fe.h>

#include <array>
#include <charconv>
#include <cstdlib>

namespace svarboks::server::pq {

namespace {

std::string trimmed(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
}

int hexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return 0;
}

}  // namespace

// ---- Params ----

Params& Params::text(std::string value) {
    m_values.emplace_back(std::move(value));
    m_formats.push_back(0);
    return *this;
}

Params& Params::integer(std::int64_t value) { return text(std::to_string(value)); }

Params& Params::real(double value) {
    std::array<char, 32> buffer{};
    const auto [end, error] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
    return text(error == std::errc() ? std::string(buffer.data(), end) : std::string("0"));
}

Params& Params::bytes(std::string value) {
    m_values.emplace_back(std::move(value));
    m_formats.push_back(1);
    return *this;
}

Params& Params::null() {
    m_values.emplace_back(std::nullopt);
    m_formats.push_back(0);
    return *this;
}

Params& Params::textArray(const std::vector<std::string>& values) {
    std::string literal = "{";
    for (const auto& value : values) {
        if (literal.size() > 1) literal += ',';
        literal += '"';
        for (const char c : value) {
            if (c == '"' || c == '\\') literal += '\\';
            literal += c;
        }
        literal += '"';
    }
    literal += '}';
    return text(std::move(literal));
}

std::vector<const char*> Params::values() const {
    std::vector<const char*> values;
    values.reserve(m_values.size());
    for (const auto& value : m_values) values.push_back(value ? value->c_str() : nullptr);
    return values;
}

std::vector<int> Params::lengths() const {
    std::vector<int> lengths;
    lengths.reserve(m_values.size());
    for (const auto& value : m_values) lengths.push_back(value ? static_cast<int>(value->size()) : 0);
    return lengths;
}

// ---- Rows ----

void Rows::Free::operator()(pg_result* result) const { PQclear(result); }

Rows::Rows(pg_result* result) : m_result(result, Free{}) {}

int Rows::size() const { return m_result ? PQntuples(m_result.get()) : 0; }

bool Rows::isNull(int row, int column) const { return PQgetisnull(m_result.get(), row, column) != 0; }

std::string Rows::text(int row, int column) const {
    std::string out;
    textInto(row, column, out);
    return out;
}

void Rows::textInto(int row, int column, std::string& out) const {
    out.assign(PQgetvalue(m_result.get(), row, column), static_cast<std::size_t>(PQgetlength(m_result.get(), row, column)));
}

std::int64_t Rows::integer(int row, int column) const {
    const char* text = PQgetvalue(m_result.get(), row, column);
    std::int64_t value = 0;
    std::from_chars(text, text + PQgetlength(m_result.get(), row, column), value);
    return value;
}

double Rows::real(int row, int column) const {
    const char* text = PQgetvalue(m_result.get(), row, column);
    double value = 0;
    std::from_chars(text, text + PQgetlength(m_result.get(), row, column), value);
    return value;
}

std::string Rows::bytes(int row, int column) const {
    const std::string_view hex(PQgetvalue(m_result.get(), row, column), static_cast<std::size_t>(PQgetlength(m_result.get(), row, column)));
    std::string out;
    if (hex.size() < 2 || hex.substr(0, 2) != "\\x") return out;
    out.reserve((hex.size() - 2) / 2);
    for (std::size_t i = 2; i + 1 < hex.size(); i += 2) out += static_cast<char>(hexValue(hex[i]) * 16 + hexValue(hex[i + 1]));
    return out;
}

std::int64_t Rows::affected() const {
    const char* tuples = m_result ? PQcmdTuples(m_result.get()) : "";
    return tuples[0] == '\0' ? 0 : std::strtoll(tuples, nullptr, 10);
}

// ---- Connection ----

Result<std::unique_ptr<Connection>> Connection::open(const std::string& url) {
    // Later keywords override the URL's: the store speaks UTF-8 whatever the server's default.
    const std::array<const char*, 4> keys = {"dbname", "client_encoding", "application_name", nullptr};
    const std::array<const char*, 4> values = {url.c_str(), "UTF8", "svarboks-central", nullptr};
    pg_conn* conn = PQconnectdbParams(keys.data(), values.data(), 1);
    if (conn == nullptr) return Error{"cannot connect: out of memory"};
    if (PQstatus(conn) != CONNECTION_OK) {
        std::string reason = trimmed(PQerrorMessage(conn));
        PQfinish(conn);
        return Error{"cannot connect: " + reason};
    }
    auto connection = std::unique_ptr<Connection>(new Connection(conn));
    // Notices (e.g. "relation already exists, skipping") are not errors: keep them off stderr.
    PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
    return connection;
}

Connection::~Connection() { PQfinish(m_conn); }

Failure Connection::connectionFailure() const { return Failure{trimmed(PQerrorMessage(m_conn)), ""}; }

std::optional<Failure> Connection::check(pg_result* result, Rows& rows) {
    if (result == nullptr) return connectionFailure();
    rows = Rows(result);
    const auto status = PQresultStatus(result);
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return std::nullopt;
    const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
    const char* detail = PQresultErrorField(result, PG_DIAG_MESSAGE_DETAIL);
    const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
    Failure failure{primary != nullptr ? primary : trimmed(PQresultErrorMessage(result)), state != nullptr ? state : ""};
    if (failure.reason.empty()) failure.reason = trimmed(PQerrorMessage(m_conn));
    if (detail != nullptr) failure.reason += std::string(" (") + detail + ")";
    return failure;
}

std::optional<Failure> Connection::exec(std::string_view sql, const Params& params, Rows& rows) {
    auto found = m_prepared.find(std::string(sql));
    if (found == m_prepared.end()) {
        const std::string name = "s" + std::to_string(m_prepared.size() + 1);
        Rows prepared;
        if (auto failed = check(PQprepare(m_conn, name.c_str(), std::string(sql).c_str(), 0, nullptr), prepared)) return failed;
        found = m_prepared.emplace(std::string(sql), name).first;
    }
    const auto values = params.values();
    const auto lengths = params.lengths();
    return check(PQexecPrepared(m_conn, found->second.c_str(), params.size(), values.data(), lengths.data(), params.formats().data(), 0), rows);
}

std::optional<Failure> Connection::execOnce(std::string_view sql, const Params& params, Rows& rows) {
    const auto values = params.values();
    const auto lengths = params.lengths();
    return check(PQexecParams(m_conn, std::string(sql).c_str(), params.size(), nullptr, values.data(), lengths.data(),
                              params.formats().data(), 0),
                 rows);
}

std::optional<Failure> Connection::command(std::string_view sql, Rows* rows) {
    Rows own;
    return check(PQexec(m_conn, std::string(sql).c_str()), rows != nullptr ? *rows : own);
}

std::optional<Failure> Connection::copyIn(std::string_view sql, const std::function<bool(std::string& chunk)>& next) {
    Rows started;
    pg_result* result = PQexec(m_conn, std::string(sql).c_str());
    if (result != nullptr && PQresultStatus(result) == PGRES_COPY_IN) {
        PQclear(result);
    } else {
        if (auto failed = check(result, started)) return failed;
        return Failure{"not a COPY FROM STDIN: " + std::string(sql), ""};
    }
    std::string chunk;
    const char* stopped = nullptr;
    for (;;) {
        chunk.clear();
        const bool more = next(chunk);
        if (!chunk.empty() && PQputCopyData(m_conn, chunk.data(), static_cast<int>(chunk.size())) != 1) return connectionFailure();
        if (!more) break;
    }
    if (PQputCopyEnd(m_conn, stopped) != 1) return connectionFailure();
    // The COPY's own result, then the end of results.
    Rows copied;
    auto failed = check(PQgetResult(m_conn), copied);
    while (pg_result* rest = PQgetResult(m_conn)) PQclear(rest);
    return failed;
}

bool Connection::idle() const { return PQstatus(m_conn) == CONNECTION_OK && PQtransactionStatus(m_conn) == PQTRANS_IDLE; }

}  // namespace svarboks::server::pq
