// ISOBMFF walk: top-level 'meta' (a FullBox) -> 'iprp' -> 'ipco', whose
// children are the property boxes ('irot', 'imir', 'ispe', ...). Box sizes
// follow ISO/IEC 14496-12 4.2: 32-bit size, 1 = 64-bit size follows the type,
// 0 = to the end of the enclosing box.
#include "core/image/heif_orientation.h"

#include <cstring>
#include <optional>

namespace photoidx::image::internal {
namespace {

struct Box {
  char type[4];
  std::span<const uint8_t> body;  // contents after the header
};

uint32_t Be32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
}

// Reads the box at the start of `data`; sets `consumed` to its total size.
std::optional<Box> ReadBox(std::span<const uint8_t> data, size_t& consumed) {
  if (data.size() < 8) return std::nullopt;
  uint64_t size = Be32(data.data());
  size_t header = 8;
  if (size == 1) {
    if (data.size() < 16) return std::nullopt;
    size = (uint64_t(Be32(data.data() + 8)) << 32) | Be32(data.data() + 12);
    header = 16;
  } else if (size == 0) {
    size = data.size();
  }
  if (size < header || size > data.size()) return std::nullopt;
  Box box;
  std::memcpy(box.type, data.data() + 4, 4);
  box.body = data.subspan(header, size_t(size) - header);
  consumed = size_t(size);
  return box;
}

// Finds the first child box of `type` in a sequence of boxes. Sets `malformed`
// when a box header is broken before the child is found.
std::optional<Box> FindChild(std::span<const uint8_t> data, const char* type, bool& malformed) {
  while (!data.empty()) {
    size_t consumed = 0;
    std::optional<Box> box = ReadBox(data, consumed);
    if (!box) {
      malformed = true;
      return std::nullopt;
    }
    if (std::memcmp(box->type, type, 4) == 0) return box;
    data = data.subspan(consumed);
  }
  return std::nullopt;
}

}  // namespace

HeifTransforms FindHeifTransforms(std::span<const uint8_t> file) {
  bool malformed = false;
  std::optional<Box> meta = FindChild(file, "meta", malformed);
  if (!meta || meta->body.size() < 4) return HeifTransforms::kUnknown;
  std::optional<Box> iprp = FindChild(meta->body.subspan(4), "iprp", malformed);
  if (!iprp) return HeifTransforms::kUnknown;
  std::optional<Box> ipco = FindChild(iprp->body, "ipco", malformed);
  if (!ipco) return HeifTransforms::kUnknown;
  std::span<const uint8_t> props = ipco->body;
  while (!props.empty()) {
    size_t consumed = 0;
    std::optional<Box> prop = ReadBox(props, consumed);
    if (!prop) return HeifTransforms::kUnknown;
    if (std::memcmp(prop->type, "irot", 4) == 0 || std::memcmp(prop->type, "imir", 4) == 0) {
      return HeifTransforms::kPresent;
    }
    props = props.subspan(consumed);
  }
  return HeifTransforms::kAbsent;
}

int ExifIfd0Orientation(std::span<const uint8_t> tiff) {
  if (tiff.size() < 8) return 1;
  const bool le = tiff[0] == 'I' && tiff[1] == 'I';
  const bool be = tiff[0] == 'M' && tiff[1] == 'M';
  if (!le && !be) return 1;
  auto u16 = [&](size_t at) -> uint32_t {
    return le ? uint32_t(tiff[at]) | uint32_t(tiff[at + 1]) << 8
              : uint32_t(tiff[at]) << 8 | uint32_t(tiff[at + 1]);
  };
  auto u32 = [&](size_t at) -> uint32_t {
    return le ? u16(at) | u16(at + 2) << 16 : u16(at) << 16 | u16(at + 2);
  };
  if (u16(2) != 42) return 1;
  const size_t ifd = u32(4);
  if (ifd > tiff.size() - 2) return 1;
  const size_t count = u16(ifd);
  for (size_t i = 0; i < count; ++i) {
    const size_t entry = ifd + 2 + i * 12;
    if (entry > tiff.size() - 12) return 1;
    if (u16(entry) != 0x0112) continue;
    // Type SHORT (3), count 1: the value sits in the first two bytes of the
    // value field.
    if (u16(entry + 2) != 3 || u32(entry + 4) < 1) return 1;
    const uint32_t v = u16(entry + 8);
    return v >= 1 && v <= 8 ? int(v) : 1;
  }
  return 1;
}

}  // namespace photoidx::image::internal
