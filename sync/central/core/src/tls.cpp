#include "svarboks/server/tls.hpp"

#include "svarboks/shared/files.hpp"
#include "svarboks/shared/sealing.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <ctime>
#include <memory>
#include <system_error>

namespace svarboks::server {

namespace fs = std::filesystem;
using shared::Error;
using shared::Result;

namespace {

template <typename T, void (*Free)(T*)>
struct Deleter {
    void operator()(T* p) const { Free(p); }
};
using PKey = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using Bignum = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using Extension = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;

void freeBio(BIO* bio) { BIO_free_all(bio); }
using Bio = std::unique_ptr<BIO, Deleter<BIO, freeBio>>;

std::string opensslError() {
    const unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (code == 0) return "unknown OpenSSL error";
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    return buffer;
}

bool isIpAddress(const std::string& host) {
    unsigned char buffer[16];
    return inet_pton(AF_INET, host.c_str(), buffer) == 1 || inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

std::string bioText(BIO* bio) {
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    return size > 0 && data != nullptr ? std::string(data, static_cast<std::size_t>(size)) : std::string();
}


CertificateInfo describe(X509* cert, EVP_PKEY* key) {
    CertificateInfo info;
    if (std::tm expiry{}; ASN1_TIME_to_tm(X509_get0_notAfter(cert), &expiry) == 1) info.notAfter = timegm(&expiry);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (X509_digest(cert, EVP_sha256(), digest, &length) == 1) {
        for (unsigned int i = 0; i < length; ++i) {
            char hex[4];
            std::snprintf(hex, sizeof hex, i + 1 < length ? "%02X:" : "%02X", static_cast<unsigned>(digest[i]));
            info.sha256Fingerprint += hex;
        }
    }
    unsigned char* spki = nullptr;
    const int spkiLength = i2d_PUBKEY(key, &spki);
    if (spkiLength > 0) {
        unsigned char hash[32];
        unsigned int hashLength = 0;
        EVP_Digest(spki, static_cast<std::size_t>(spkiLength), hash, &hashLength, EVP_sha256(), nullptr);
        info.spkiPin = "sha256//" + shared::toBase64(std::string_view(reinterpret_cast<const char*>(hash), hashLength));
        OPENSSL_free(spki);
    }
    auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
    if (names != nullptr) {
        for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
            const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
            Bio bio(BIO_new(BIO_s_mem()));
            if (bio && GENERAL_NAME_print(bio.get(), const_cast<GENERAL_NAME*>(name)) == 1) info.subjectAltNames.push_back(bioText(bio.get()));
        }
        GENERAL_NAMES_free(names);
    }
    return info;
}

bool addExtension(X509* cert, int nid, const std::string& value) {
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, cert, cert, nullptr, nullptr, 0);
    Extension extension(X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str()));
    return extension && X509_add_ext(cert, extension.get(), -1) == 1;
}

}  // namespace

bool isValidCertificateHost(const std::string& host) {
    if (host.empty() || host.size() > 253) return false;
    if (isIpAddress(host)) return true;
    return std::all_of(host.begin(), host.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '*';
    });
}

Result<CertificateInfo> writeSelfSignedCertificate(const fs::path& certFile, const fs::path& keyFile, const std::vector<std::string>& hosts,
                                                   std::chrono::hours validity) {
    if (hosts.empty()) return Error{"a certificate needs at least one host name or IP address"};
    std::string altNames;
    for (const auto& host : hosts) {
        if (!isValidCertificateHost(host)) return Error{"'" + host + "' is not a host name or IP address"};
        if (!altNames.empty()) altNames += ',';
        altNames += (isIpAddress(host) ? "IP:" : "DNS:") + host;
    }

    PKey key(EVP_EC_gen("P-256"));
    if (!key) return Error{"cannot make a key: " + opensslError()};
    Cert cert(X509_new());
    Bignum serial(BN_new());
    if (!cert || !serial) return Error{"out of memory"};
    X509_set_version(cert.get(), 2);
    if (BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
        BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr) {
        return Error{"cannot make a serial number: " + opensslError()};
    }
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(std::chrono::duration_cast<std::chrono::seconds>(validity).count()));
    X509_set_pubkey(cert.get(), key.get());
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("Svarboks central endpoint"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(hosts.front().c_str()), -1, -1, 0);
    X509_set_issuer_name(cert.get(), name);
    // Self-signed and its own trust anchor: kiosks configure this file as their CA.
    if (!addExtension(cert.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0") ||
        !addExtension(cert.get(), NID_key_usage, "critical,digitalSignature,keyCertSign") ||
        !addExtension(cert.get(), NID_ext_key_usage, "serverAuth") ||
        !addExtension(cert.get(), NID_subject_key_identifier, "hash") ||
        !addExtension(cert.get(), NID_subject_alt_name, altNames)) {
        return Error{"cannot build the certificate: " + opensslError()};
    }
    if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) return Error{"cannot sign the certificate: " + opensslError()};

    Bio keyPem(BIO_new(BIO_s_mem()));
    Bio certPem(BIO_new(BIO_s_mem()));
    if (!keyPem || !certPem || PEM_write_bio_PrivateKey(keyPem.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1 ||
        PEM_write_bio_X509(certPem.get(), cert.get()) != 1) {
        return Error{"cannot encode the certificate: " + opensslError()};
    }
    if (auto written = shared::writeNewFile(keyFile, bioText(keyPem.get()), 0600); !written) return shared::Error{written.message()};
    if (auto written = shared::writeNewFile(certFile, bioText(certPem.get()), 0644); !written) return shared::Error{written.message()};
    return describe(cert.get(), key.get());
}

Result<CertificateInfo> checkCertificate(const fs::path& certFile, const fs::path& keyFile) {
    Bio certBio(BIO_new_file(certFile.c_str(), "r"));
    if (!certBio) return Error{certFile.string() + ": cannot read: " + opensslError()};
    Cert cert(PEM_read_bio_X509(certBio.get(), nullptr, nullptr, nullptr));
    if (!cert) return Error{certFile.string() + ": not a PEM certificate: " + opensslError()};
    Bio keyBio(BIO_new_file(keyFile.c_str(), "r"));
    if (!keyBio) return Error{keyFile.string() + ": cannot read: " + opensslError()};
    PKey key(PEM_read_bio_PrivateKey(keyBio.get(), nullptr, nullptr, nullptr));
    if (!key) return Error{keyFile.string() + ": not a PEM private key (or it is encrypted): " + opensslError()};
    if (X509_check_private_key(cert.get(), key.get()) != 1) {
        ERR_clear_error();
        return Error{keyFile.string() + " is not the private key of " + certFile.string()};
    }
    return describe(cert.get(), key.get());
}

}  // namespace svarboks::server
