// Byte-string helpers. File names on Linux are arbitrary bytes; JSON needs
// UTF-8. Rule used everywhere photoidx writes JSON: a valid UTF-8 name is
// written as is; an invalid one is written with each bad byte replaced by
// U+FFFD, and the exact bytes are added base64-encoded in a sibling field
// ("path_b64"), so scripts can always recover the real name.
#ifndef PHOTOIDX_CORE_BASE_STRINGS_H_
#define PHOTOIDX_CORE_BASE_STRINGS_H_

#include <string>
#include <string_view>

namespace photoidx {

bool IsValidUtf8(std::string_view s);
// Replaces every invalid UTF-8 sequence with U+FFFD.
std::string LossyUtf8(std::string_view s);
// Standard base64 with padding.
std::string Base64Encode(std::string_view bytes);
// A JSON string literal (with quotes) for `s`, made valid UTF-8 with LossyUtf8.
std::string JsonQuote(std::string_view s);

}  // namespace photoidx

#endif  // PHOTOIDX_CORE_BASE_STRINGS_H_
