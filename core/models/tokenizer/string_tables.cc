// Open-addressing string table (linear probing, load factor <= 1/2).
#include <functional>

#include "core/models/tokenizer/string_tables_internal.h"

namespace photoidx::models::tokenizer {
namespace {

size_t CapacityFor(size_t n) {
  size_t c = 16;
  while (c < 2 * n) c *= 2;
  return c;
}

uint64_t HashOf(std::string_view s) { return std::hash<std::string_view>{}(s); }

// The slot index uses the low bits, the fingerprint the high ones.
uint32_t FingerprintOf(uint64_t hash) { return static_cast<uint32_t>(hash >> 32); }

}  // namespace

void StringTable::Reserve(size_t keys, size_t key_bytes) {
  arena_.reserve(key_bytes);
  entries_.reserve(keys);
  if (CapacityFor(keys) > slots_.size()) Rehash(CapacityFor(keys));
}

size_t StringTable::Probe(std::string_view key, uint64_t hash) const {
  const size_t mask = slots_.size() - 1;
  const uint32_t fp = FingerprintOf(hash);
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& s = slots_[i];
    if (s.entry < 0) return i;
    if (s.fingerprint == fp && Key(entries_[static_cast<size_t>(s.entry)]) == key) return i;
  }
}

void StringTable::Rehash(size_t capacity) {
  slots_.assign(capacity, Slot{0, -1});
  const size_t mask = capacity - 1;
  for (size_t e = 0; e < entries_.size(); ++e) {
    const uint64_t hash = HashOf(Key(entries_[e]));
    size_t i = hash & mask;
    while (slots_[i].entry >= 0) i = (i + 1) & mask;
    slots_[i] = Slot{FingerprintOf(hash), static_cast<int32_t>(e)};
  }
}

void StringTable::Set(std::string_view key, int64_t value) {
  if (2 * (entries_.size() + 1) > slots_.size()) Rehash(CapacityFor(entries_.size() + 1));
  const uint64_t hash = HashOf(key);
  Slot& slot = slots_[Probe(key, hash)];
  if (slot.entry >= 0) {
    entries_[static_cast<size_t>(slot.entry)].value = value;
    return;
  }
  slot = Slot{FingerprintOf(hash), static_cast<int32_t>(entries_.size())};
  entries_.push_back(
      Entry{static_cast<uint32_t>(arena_.size()), static_cast<uint32_t>(key.size()), value});
  arena_.append(key);
}

std::optional<int64_t> StringTable::Find(std::string_view key) const {
  if (slots_.empty()) return std::nullopt;
  const Slot& slot = slots_[Probe(key, HashOf(key))];
  if (slot.entry < 0) return std::nullopt;
  return entries_[static_cast<size_t>(slot.entry)].value;
}

}  // namespace photoidx::models::tokenizer
