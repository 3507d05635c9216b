# Every dependency comes from a Debian package (scripts/setup.sh installs them).
find_package(PkgConfig REQUIRED)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(SQLite3 REQUIRED)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
# The kiosk's uploader: libcurl (OpenSSL flavour) and zlib for gzip request bodies.
find_package(CURL REQUIRED)
find_package(ZLIB REQUIRED)
# Both command lines (svarboks, svarboks-central): CLI11, header-only.
find_package(CLI11 2.1 CONFIG REQUIRED)
if(SVARBOKS_BUILD_TESTS)
  find_package(doctest REQUIRED)
  # The uploader's tests run a scripted HTTPS server (cpp-httplib + OpenSSL).
  pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
endif()
pkg_check_modules(IMGUI REQUIRED IMPORTED_TARGET imgui)
pkg_check_modules(SDL2 REQUIRED IMPORTED_TARGET sdl2)
# Read aloud: espeak-ng's header only. The kiosk opens libespeak-ng.so.1 with dlopen when it first speaks
# (client/src/speech.cpp), so it is not linked, and the Debian package depends on it by name.
pkg_check_modules(ESPEAK_NG REQUIRED espeak-ng)
# The central endpoint (sync/central): HTTPS with cpp-httplib (a compiled library in Debian; its Cflags
# turn on OpenSSL and zlib), certificates made with OpenSSL, gzip bodies. The QR code of `enroll` is optional.
if(NOT TARGET PkgConfig::HTTPLIB)
  pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
endif()
find_package(OpenSSL 3 REQUIRED)
find_package(ZLIB REQUIRED)
pkg_check_modules(QRENCODE IMPORTED_TARGET libqrencode)
# The central endpoint's second store: PostgreSQL through libpq (libpq-dev), for several replicas on one database.
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)
