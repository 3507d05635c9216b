#pragma once
// A small expected-style result: a value or an error message a person can act on.
#include <string>
#include <utility>
#include <variant>

namespace svarboks::shared {

/// An expected failure, carried as a value. `message` says where and what.
struct Error {
    std::string message;
};

/// Either a T or an Error. Cheap to move. Check ok() first: the value of an error (or the error of a value)
/// throws std::bad_variant_access.
template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : m_data(std::in_place_index<0>, std::move(value)) {}
    Result(Error error) : m_data(std::in_place_index<1>, std::move(error)) {}

    [[nodiscard]] bool ok() const { return m_data.index() == 0; }
    explicit operator bool() const { return ok(); }

    [[nodiscard]] T& value() & { return std::get<0>(m_data); }
    [[nodiscard]] const T& value() const& { return std::get<0>(m_data); }
    [[nodiscard]] T&& value() && { return std::get<0>(std::move(m_data)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    [[nodiscard]] const Error& error() const { return std::get<1>(m_data); }

private:
    std::variant<T, Error> m_data;
};

/// A result with no value: success, or an Error.
class [[nodiscard]] Status {
public:
    Status() = default;
    Status(Error error) : m_error(std::move(error.message)), m_failed(true) {}
    [[nodiscard]] bool ok() const { return !m_failed; }
    explicit operator bool() const { return ok(); }
    [[nodiscard]] const std::string& message() const { return m_error; }

private:
    std::string m_error;
    bool m_failed = false;
};

}  // namespace svarboks::shared
