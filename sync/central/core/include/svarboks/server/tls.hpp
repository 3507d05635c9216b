#pragma once
// The endpoint's TLS certificate: a self-signed one made by `init` (OpenSSL), or one given by the operator.
#include "svarboks/shared/result.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace svarboks::server {

struct CertificateInfo {
    std::string sha256Fingerprint;  ///< "AB:CD:...", as browsers and `openssl x509 -fingerprint` show it
    std::string spkiPin;            ///< "sha256//<base64>", for the kiosk's pinned public key (CURLOPT_PINNEDPUBLICKEY)
    std::vector<std::string> subjectAltNames;  ///< "DNS:localhost", "IP Address:127.0.0.1"
    std::int64_t notAfter = 0;                 ///< unix seconds: the certificate's last valid moment
};

/// True for a host name or IP address that may go into a certificate (letters, digits, '.', '-', ':', '*').
[[nodiscard]] bool isValidCertificateHost(const std::string& host);

/// Writes a new self-signed certificate (ECDSA P-256, SHA-256, valid for `validity`) for `hosts` (names
/// and IP addresses, the first one also its common name) to `certFile`, and its private key to `keyFile`
/// with mode 0600. Neither file may exist. Never throws.
[[nodiscard]] shared::Result<CertificateInfo> writeSelfSignedCertificate(const std::filesystem::path& certFile,
                                                                        const std::filesystem::path& keyFile,
                                                                        const std::vector<std::string>& hosts,
                                                                        std::chrono::hours validity = std::chrono::hours(24 * 825));

/// Loads a PEM certificate (chain) and private key and checks that they belong together.
[[nodiscard]] shared::Result<CertificateInfo> checkCertificate(const std::filesystem::path& certFile, const std::filesystem::path& keyFile);

}  // namespace svarboks::server
