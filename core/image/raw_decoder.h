// The RAW adapter with its pixel path chosen by the caller. DecodeRaw()
// (decoder_internal.h) is DecodeRawVia(kAuto); the other paths exist for the
// tests and bench/heif_raw_bench.cc, which compare the preview with half-size
// processing on the same file. Internal to core/image.
//
// Thread safety: as DecodeRaw(): each call uses its own LibRaw object.
#ifndef PHOTOIDX_CORE_IMAGE_RAW_DECODER_H_
#define PHOTOIDX_CORE_IMAGE_RAW_DECODER_H_

#include <cstdint>
#include <span>

#include "core/image/decoder_internal.h"

namespace photoidx::image::internal {

enum class RawPath {
  kAuto,     // the embedded preview when large enough, else half-size processing
  kPreview,  // the embedded preview or NotSupported("raw: no usable preview")
  kProcess,  // always half-size processing (LibRaw applies flip)
};

Result<AdapterOutput> DecodeRawVia(std::span<const uint8_t> bytes, const DecodeOptions& opt,
                                   RawPath path);

}  // namespace photoidx::image::internal

#endif  // PHOTOIDX_CORE_IMAGE_RAW_DECODER_H_
