// JSON output helpers for the CLI (nlohmann::json). File names are bytes:
// SetPath() writes "path" as UTF-8 (invalid bytes become U+FFFD) and, only
// when the name is not valid UTF-8, "path_b64" with the exact bytes.
#ifndef PHOTOIDX_CLI_JSON_UTIL_H_
#define PHOTOIDX_CLI_JSON_UTIL_H_

#include <nlohmann/json.hpp>

#include <string>

#include "core/image/image.h"

namespace photoidx::cli {

void SetPath(nlohmann::json& obj, const std::string& path, const char* key = "path");
// Never throws on invalid UTF-8 (replaced).
std::string Dump(const nlohmann::json& j, int indent = -1);
// Metadata fields (format, width, height, orientation, date_taken, make,
// model, lens, gps) into obj; absent values are null.
void PutMetadata(nlohmann::json& obj, const image::Metadata& m);

}  // namespace photoidx::cli

#endif  // PHOTOIDX_CLI_JSON_UTIL_H_
