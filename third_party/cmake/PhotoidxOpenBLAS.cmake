# OpenBLAS::OpenBLAS: Debian 12's OpenMP build of OpenBLAS (libopenblas-openmp-dev).
#
# Debian keeps its headers and library in an openblas-openmp/ subfolder that
# pkg-config finds through alternatives; an unpacked .deb (the CUDA machine,
# ../shared/gpu) has no alternatives, so the subfolder is searched directly.
# The OpenMP build is the one to use: it shares libgomp with libtorch, where the
# pthread build would fight torch's threads (TOOLCHAIN.md, BLAS trap).
if(TARGET OpenBLAS::OpenBLAS)
  return()
endif()
pkg_check_modules(PC_OPENBLAS QUIET openblas)
find_path(OPENBLAS_INCLUDE_DIR cblas.h
  HINTS ${PC_OPENBLAS_INCLUDE_DIRS}
  PATH_SUFFIXES x86_64-linux-gnu/openblas-openmp openblas-openmp openblas
  NO_DEFAULT_PATH PATHS /usr/include /tmp/deps/usr/include ${CMAKE_PREFIX_PATH})
find_path(OPENBLAS_INCLUDE_DIR cblas.h PATH_SUFFIXES x86_64-linux-gnu/openblas-openmp openblas)
find_library(OPENBLAS_LIBRARY NAMES openblas
  HINTS ${PC_OPENBLAS_LIBRARY_DIRS}
  PATH_SUFFIXES x86_64-linux-gnu/openblas-openmp openblas-openmp lib/x86_64-linux-gnu/openblas-openmp)
if(NOT OPENBLAS_INCLUDE_DIR OR NOT OPENBLAS_LIBRARY)
  message(FATAL_ERROR "photoidx: OpenBLAS not found (apt install libopenblas-openmp-dev)")
endif()
add_library(OpenBLAS::OpenBLAS UNKNOWN IMPORTED)
set_target_properties(OpenBLAS::OpenBLAS PROPERTIES
  IMPORTED_LOCATION "${OPENBLAS_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${OPENBLAS_INCLUDE_DIR}")
message(STATUS "photoidx: OpenBLAS ${OPENBLAS_LIBRARY}")
