// Reading vocab.json ({"token": id, ...}, 1 MB for CLIP) fast: a small
// dedicated parser handles the plain layout every tokenizer writes; any
// input it does not accept is re-parsed by nlohmann's SAX parser, which
// either accepts it too or reports where the JSON is broken.
// Internal to the tokenizer module.
#ifndef PHOTOIDX_CORE_MODELS_TOKENIZER_VOCAB_JSON_INTERNAL_H_
#define PHOTOIDX_CORE_MODELS_TOKENIZER_VOCAB_JSON_INTERNAL_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"

namespace photoidx::models::tokenizer {

struct VocabEntries {
  struct Entry {
    uint32_t offset;  // key bytes in `keys`
    uint32_t length;
    int64_t id;
  };
  std::string keys;            // decoded (unescaped) UTF-8 keys, back to back
  std::vector<Entry> entries;  // in file order (a repeated key appears twice)

  std::string_view Key(const Entry& e) const {
    return std::string_view(keys).substr(e.offset, e.length);
  }
};

// Parses a JSON object whose values are non-negative integers. Errors are
// Corruption naming `path`.
Result<VocabEntries> ParseVocabJson(std::string_view text, const std::string& path);

}  // namespace photoidx::models::tokenizer

#endif  // PHOTOIDX_CORE_MODELS_TOKENIZER_VOCAB_JSON_INTERNAL_H_
