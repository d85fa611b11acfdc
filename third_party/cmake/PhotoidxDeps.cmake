# Finds every outside library photoidx uses (all from Debian 12 packages).
# Each one is owned by exactly one core module; see third_party/<lib>/README.md.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(OpenSSL 3 REQUIRED)          # OpenSSL::Crypto       -> core/hash
find_package(SQLite3 REQUIRED)            # SQLite::SQLite3       -> core/index
find_package(SQLiteCpp REQUIRED)          # SQLiteCpp             -> core/index
find_package(fmt REQUIRED)                # fmt::fmt              -> base (formatting)
find_package(CLI11 REQUIRED)              # CLI11::CLI11          -> cli
find_package(libjpeg-turbo REQUIRED)      # libjpeg-turbo::jpeg   -> core/image
find_package(PNG REQUIRED)                # PNG::PNG              -> core/image
find_package(exiv2 REQUIRED)              # exiv2lib              -> core/image
find_package(libheif REQUIRED)            # heif                  -> core/image
find_package(nlohmann_json 3 REQUIRED)    # nlohmann_json::nlohmann_json -> models/hf, cli
pkg_check_modules(LIBRAW REQUIRED IMPORTED_TARGET libraw_r)   # PkgConfig::LIBRAW -> core/image
include(PhotoidxOpenBLAS)                 # OpenBLAS::OpenBLAS    -> core/models/cpu (torch-free text tower)
# libcurl is optional: without it photoidx resolves models in the local
# Hugging Face cache only and says what to download.
find_package(CURL 7.80)                   # CURL::libcurl         -> core/models/download
if(CURL_FOUND)
  set(PHOTOIDX_HAVE_CURL ON)
else()
  message(STATUS "photoidx: libcurl not found; model downloads disabled")
endif()
if(PHOTOIDX_WITH_TORCH)
  find_package(Torch REQUIRED)            # ${TORCH_LIBRARIES}    -> core/models/{torch,clip,blip}
  if(TARGET c10_cuda)
    set(PHOTOIDX_HAVE_CUDA ON)
    message(STATUS "photoidx: CUDA libtorch found; CUDA code paths compiled in")
  endif()
endif()
if(PHOTOIDX_BUILD_TESTS)
  find_package(GTest REQUIRED)            # GTest::gtest_main, GTest::gmock
endif()
if(PHOTOIDX_BUILD_BENCH)
  find_package(benchmark REQUIRED)        # benchmark::benchmark
endif()
