# Warnings live on one INTERFACE target that every project target links; no global flags.
add_library(svarboks_warnings INTERFACE)
target_compile_options(svarboks_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
  -Wold-style-cast -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough
  $<$<BOOL:${SVARBOKS_WERROR}>:-Werror>)
