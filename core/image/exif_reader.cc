// Maps exiv2's ExifData to ExifInfo. Values are validated, not trusted:
// dates must look like "YYYY:MM:DD HH:MM:SS", GPS rationals need non-zero
// denominators and land inside the globe, strings are cut at the first NUL
// and trimmed. Anything malformed is left out rather than guessed.
#include "core/image/exif_reader.h"

#include <cctype>
#include <cmath>
#include <cstring>
#include <exception>
#include <string>
#include <string_view>

#include <exiv2/exiv2.hpp>

namespace photoidx::image {

namespace {

using Exiv2::ExifData;
using Exiv2::ExifKey;

const Exiv2::Exifdatum* Find(const ExifData& ed, const ExifKey& key) {
  auto it = ed.findKey(key);
  if (it == ed.end() || it->count() == 0) return nullptr;
  return &*it;
}

const Exiv2::Exifdatum* Find(const ExifData& ed, const char* key) {
  return Find(ed, ExifKey(key));
}

std::string Trim(std::string s) {
  size_t nul = s.find('\0');
  if (nul != std::string::npos) s.resize(nul);
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

std::optional<std::string> AsciiTag(const ExifData& ed, const char* key) {
  const Exiv2::Exifdatum* d = Find(ed, key);
  if (d == nullptr || d->typeId() != Exiv2::asciiString) return std::nullopt;
  std::string s = Trim(d->toString());
  if (s.empty()) return std::nullopt;
  return s;
}

bool Digits(std::string_view s, size_t at, size_t n) {
  if (at + n > s.size()) return false;
  for (size_t i = at; i < at + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

int Num(std::string_view s, size_t at, size_t n) {
  int v = 0;
  for (size_t i = at; i < at + n; ++i) v = v * 10 + (s[i] - '0');
  return v;
}

// "YYYY:MM:DD HH:MM:SS" (':' or '-' between date fields, ' ' or 'T' before
// the time) -> "YYYY-MM-DDTHH:MM:SS". Blank or zero dates are absent.
std::optional<std::string> IsoDate(std::string_view s) {
  if (!Digits(s, 0, 4) || !Digits(s, 5, 2) || !Digits(s, 8, 2) || !Digits(s, 11, 2) ||
      !Digits(s, 14, 2) || !Digits(s, 17, 2)) {
    return std::nullopt;
  }
  auto date_sep = [&](size_t i) { return s[i] == ':' || s[i] == '-'; };
  if (!date_sep(4) || !date_sep(7) || (s[10] != ' ' && s[10] != 'T') || s[13] != ':' ||
      s[16] != ':') {
    return std::nullopt;
  }
  int month = Num(s, 5, 2), day = Num(s, 8, 2);
  if (Num(s, 0, 4) == 0 || month < 1 || month > 12 || day < 1 || day > 31 ||
      Num(s, 11, 2) > 24 || Num(s, 14, 2) > 59 || Num(s, 17, 2) > 60) {
    return std::nullopt;
  }
  std::string iso(s.substr(0, 19));
  iso[4] = '-';
  iso[7] = '-';
  iso[10] = 'T';
  return iso;
}

// "+hh:mm" / "-hh:mm", as EXIF 2.31 OffsetTime* store it.
bool ValidOffset(std::string_view s) {
  return s.size() == 6 && (s[0] == '+' || s[0] == '-') && Digits(s, 1, 2) && s[3] == ':' &&
         Digits(s, 4, 2) && Num(s, 1, 2) <= 14 && Num(s, 4, 2) <= 59;
}

std::optional<std::string> DateTaken(const ExifData& ed) {
  // (date tag, its offset tag). The offset tags may be unknown to an older
  // exiv2, so they are looked up by number.
  struct Pair {
    const char* date;
    uint16_t offset_tag;
  };
  static constexpr Pair kPairs[] = {
      {"Exif.Photo.DateTimeOriginal", 0x9011},   // OffsetTimeOriginal
      {"Exif.Photo.DateTimeDigitized", 0x9012},  // OffsetTimeDigitized
      {"Exif.Image.DateTime", 0x9010},           // OffsetTime
  };
  for (const Pair& p : kPairs) {
    std::optional<std::string> raw = AsciiTag(ed, p.date);
    if (!raw) continue;
    std::optional<std::string> iso = IsoDate(*raw);
    if (!iso) continue;
    if (const Exiv2::Exifdatum* off = Find(ed, ExifKey(p.offset_tag, "Photo"))) {
      std::string o = Trim(off->toString());
      if (ValidOffset(o)) *iso += o;
    }
    return iso;
  }
  return std::nullopt;
}

std::optional<std::string> Lens(const ExifData& ed) {
  if (std::optional<std::string> model = AsciiTag(ed, "Exif.Photo.LensModel")) return model;
  // exiv2 knows where each maker keeps its lens and how to name it.
  auto it = Exiv2::lensName(ed);
  if (it == ed.end()) return std::nullopt;
  std::string name = Trim(it->print(&ed));
  // Unresolved lens ids print as "(123)" or plain numbers.
  bool named = false;
  for (char c : name) named |= std::isalpha(static_cast<unsigned char>(c)) != 0;
  if (!named || name[0] == '(' || name == "Unknown" || name == "n/a") return std::nullopt;
  return name;
}

// Unsigned rational n of a datum as a double; false for a zero denominator.
bool Rational(const Exiv2::Exifdatum& d, long n, double* out) {
  if (n >= d.count()) return false;
  if (d.typeId() == Exiv2::unsignedRational) {
    const auto& v = static_cast<const Exiv2::URationalValue&>(d.value());
    const Exiv2::URational r = v.value_.at(size_t(n));
    if (r.second == 0) return false;
    *out = double(r.first) / double(r.second);
    return true;
  }
  if (d.typeId() == Exiv2::signedRational) {
    const Exiv2::Rational r = d.toRational(n);
    if (r.second == 0) return false;
    *out = double(r.first) / double(r.second);
    return true;
  }
  return false;
}

// Degrees from the three rationals (degrees, minutes, seconds) and its ref.
std::optional<double> Coordinate(const ExifData& ed, const char* key, const char* ref_key,
                                 char negative_ref, double limit) {
  const Exiv2::Exifdatum* d = Find(ed, key);
  if (d == nullptr || d->count() < 3) return std::nullopt;
  double deg, min, sec;
  if (!Rational(*d, 0, &deg) || !Rational(*d, 1, &min) || !Rational(*d, 2, &sec)) return std::nullopt;
  double v = deg + min / 60.0 + sec / 3600.0;
  if (!std::isfinite(v) || v > limit) return std::nullopt;
  std::optional<std::string> ref = AsciiTag(ed, ref_key);
  if (ref && !ref->empty() && std::toupper(static_cast<unsigned char>((*ref)[0])) == negative_ref) {
    v = -v;
  }
  return v;
}

std::optional<GpsPosition> Gps(const ExifData& ed) {
  std::optional<double> lat =
      Coordinate(ed, "Exif.GPSInfo.GPSLatitude", "Exif.GPSInfo.GPSLatitudeRef", 'S', 90.0);
  std::optional<double> lon =
      Coordinate(ed, "Exif.GPSInfo.GPSLongitude", "Exif.GPSInfo.GPSLongitudeRef", 'W', 180.0);
  if (!lat || !lon) return std::nullopt;
  GpsPosition gps{*lat, *lon, std::nullopt};
  double alt;
  if (const Exiv2::Exifdatum* a = Find(ed, "Exif.GPSInfo.GPSAltitude"); a && Rational(*a, 0, &alt)) {
    const Exiv2::Exifdatum* ref = Find(ed, "Exif.GPSInfo.GPSAltitudeRef");
    // AltitudeRef 1 = below sea level.
    if (ref != nullptr && ref->toLong(0) == 1 && alt != 0) alt = -alt;
    if (std::isfinite(alt)) gps.altitude = alt;
  }
  return gps;
}

ExifInfo Extract(const ExifData& ed) {
  ExifInfo info;
  if (ed.empty()) return info;
  if (const Exiv2::Exifdatum* o = Find(ed, "Exif.Image.Orientation")) {
    long v = o->toLong(0);
    info.orientation = v >= 1 && v <= 8 ? int(v) : 0;
  }
  info.date_taken = DateTaken(ed);
  info.make = AsciiTag(ed, "Exif.Image.Make");
  info.model = AsciiTag(ed, "Exif.Image.Model");
  info.lens = Lens(ed);
  info.gps = Gps(ed);
  return info;
}

Status ExifError(const char* what) {
  return Status::Corruption("exif", what != nullptr && *what != '\0' ? what : "unreadable metadata");
}

}  // namespace

Result<ExifInfo> ReadExifFromFile(std::span<const uint8_t> file_bytes) {
  if (file_bytes.empty()) return ExifInfo{};
  try {
    auto img = Exiv2::ImageFactory::open(file_bytes.data(), long(file_bytes.size()));
    if (img.get() == nullptr) return ExifInfo{};
    img->readMetadata();
    return Extract(img->exifData());
  } catch (const Exiv2::AnyError& e) {
    // Not an error of the EXIF: exiv2 just does not know the container.
    if (e.code() == Exiv2::kerMemoryContainsUnknownImageType ||
        e.code() == Exiv2::kerFileContainsUnknownImageType) {
      return ExifInfo{};
    }
    return ExifError(e.what());
  } catch (const std::exception& e) {
    return ExifError(e.what());
  }
}

Result<ExifInfo> ReadExifFromTiff(std::span<const uint8_t> tiff) {
  static constexpr char kExifPrefix[] = "Exif\0\0";
  if (tiff.size() >= 6 && std::memcmp(tiff.data(), kExifPrefix, 6) == 0) tiff = tiff.subspan(6);
  if (tiff.size() < 8) return ExifError("EXIF block too short");
  try {
    ExifData ed;
    Exiv2::ExifParser::decode(ed, tiff.data(), uint32_t(tiff.size()));
    return Extract(ed);
  } catch (const Exiv2::AnyError& e) {
    return ExifError(e.what());
  } catch (const std::exception& e) {
    return ExifError(e.what());
  }
}

}  // namespace photoidx::image
