# SVARBOKS_FUZZ: every target of this build is compiled with libFuzzer's coverage instrumentation and
# ASan+UBSan (-fsanitize=fuzzer-no-link,address,undefined), so that what the fuzzer explores and what the
# sanitizers check includes the libraries, not only the fuzz targets; tests/fuzz adds libFuzzer's main to
# its targets (-fsanitize=fuzzer). Directory-wide on purpose: a sanitizer build instruments every translation
# unit it links, as the asan-ubsan and tsan presets do through CMAKE_CXX_FLAGS.
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "SVARBOKS_FUZZ=ON needs clang (libFuzzer ships with it), but the C++ compiler is "
                      "${CMAKE_CXX_COMPILER_ID} ${CMAKE_CXX_COMPILER}. Use the `fuzz` preset (cmake --preset fuzz), or "
                      "configure with -DCMAKE_CXX_COMPILER=clang++; scripts/fuzz.sh installs clang when it is missing.")
endif()
add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
add_link_options(-fsanitize=address,undefined)
