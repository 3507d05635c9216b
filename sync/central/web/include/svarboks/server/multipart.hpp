#pragma once
// multipart/form-data bodies (RFC 7578), as a browser posts a form with a file input: the dashboard reads
// raw bodies (http_message.hpp), so it splits them here. Pure functions; thread-safe.
#include "svarboks/shared/result.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace svarboks::server {

/// One field of a multipart form.
struct FormPart {
    std::string name;
    std::optional<std::string> fileName;  ///< set for a file input (possibly empty: no file chosen)
    std::string contentType;              ///< as sent, "" when not
    std::string bytes;
};

/// The boundary of a "multipart/form-data; boundary=..." Content-Type, or "" when it is not one.
[[nodiscard]] std::string multipartBoundary(std::string_view contentType);

/// The parts of a multipart/form-data body with this boundary; an error that says what is malformed.
[[nodiscard]] shared::Result<std::vector<FormPart>> parseMultipart(std::string_view body, std::string_view boundary);

}  // namespace svarboks::server
