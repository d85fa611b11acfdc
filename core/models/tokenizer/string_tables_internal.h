// StringTable: byte string -> int64 map for the BPE model, which is loaded
// on every `photoidx search`. Building 2 x 49k entries into
// std::unordered_map (one allocation per node) or a table that must touch
// each key's bytes on every probe is dominated by cache misses; here a probe
// reads one 8-byte slot holding a 32-bit fingerprint, and the key bytes are
// only compared when the fingerprint matches.
// Internal to the tokenizer module. Not thread-safe while being filled;
// const methods may be called concurrently afterwards.
#ifndef PHOTOIDX_CORE_MODELS_TOKENIZER_STRING_TABLES_INTERNAL_H_
#define PHOTOIDX_CORE_MODELS_TOKENIZER_STRING_TABLES_INTERNAL_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace photoidx::models::tokenizer {

class StringTable {
 public:
  void Reserve(size_t keys, size_t key_bytes);
  // Inserts, or replaces the value of an existing key (Python dict
  // assignment). The key bytes are copied.
  void Set(std::string_view key, int64_t value);
  std::optional<int64_t> Find(std::string_view key) const;
  size_t size() const { return entries_.size(); }

 private:
  struct Slot {
    uint32_t fingerprint;
    int32_t entry;  // -1: empty
  };
  struct Entry {
    uint32_t offset;
    uint32_t length;
    int64_t value;
  };
  // The slot holding `key`, or the empty slot where it would go.
  size_t Probe(std::string_view key, uint64_t hash) const;
  void Rehash(size_t capacity);
  std::string_view Key(const Entry& e) const {
    return std::string_view(arena_).substr(e.offset, e.length);
  }

  std::string arena_;  // all keys, back to back
  std::vector<Entry> entries_;
  std::vector<Slot> slots_;  // size is a power of two, at most half full
};

}  // namespace photoidx::models::tokenizer

#endif  // PHOTOIDX_CORE_MODELS_TOKENIZER_STRING_TABLES_INTERNAL_H_
