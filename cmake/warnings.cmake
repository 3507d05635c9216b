# Warnings live on one INTERFACE target that every project target links; no global flags.
add_library(svarboks_warnings INTERFACE)
target_compile_options(svarboks_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
  -Wold-style-cast -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough
  # GCC 12 reports false -Wrestrict positives inside std::string at -O2/-O3 (GCC bug 105651).
  $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>
  $<$<BOOL:${SVARBOKS_WERROR}>:-Werror>)
