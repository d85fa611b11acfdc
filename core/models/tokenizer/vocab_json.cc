// vocab.json reader (see the header): FastParser for the common case,
// nlohmann SAX (no DOM) as the general and error-reporting path.
#include <climits>
#include <nlohmann/json.hpp>

#include "core/models/tokenizer/unicode.h"
#include "core/models/tokenizer/vocab_json_internal.h"

namespace photoidx::models::tokenizer {
namespace {

void AddEntry(std::string_view key, int64_t id, VocabEntries* out) {
  out->entries.push_back(VocabEntries::Entry{static_cast<uint32_t>(out->keys.size()),
                                             static_cast<uint32_t>(key.size()), id});
  out->keys.append(key);
}

// Accepts exactly: ws { ws "key" ws : ws digits ws (, ...)* } ws, with JSON
// string escapes. Returns false for anything else (the SAX parser decides).
class FastParser {
 public:
  FastParser(std::string_view text, VocabEntries* out) : t_(text), out_(out) {}

  bool Parse() {
    SkipWs();
    if (!Eat('{')) return false;
    SkipWs();
    if (Eat('}')) return AtEnd();
    std::string key;
    while (true) {
      int64_t id = 0;
      key.clear();
      SkipWs();
      if (!ParseString(&key)) return false;
      SkipWs();
      if (!Eat(':')) return false;
      SkipWs();
      if (!ParseId(&id)) return false;
      AddEntry(key, id, out_);
      SkipWs();
      if (Eat(',')) continue;
      if (Eat('}')) return AtEnd();
      return false;
    }
  }

 private:
  bool Eat(char c) {
    if (i_ < t_.size() && t_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  void SkipWs() {
    while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\n' || t_[i_] == '\r' || t_[i_] == '\t'))
      ++i_;
  }
  bool AtEnd() {
    SkipWs();
    return i_ == t_.size();
  }
  bool Hex4(uint32_t* v) {
    if (t_.size() - i_ < 4) return false;
    *v = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = t_[i_++];
      const int d = (c >= '0' && c <= '9')   ? c - '0'
                    : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                    : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                             : -1;
      if (d < 0) return false;
      *v = *v * 16 + static_cast<uint32_t>(d);
    }
    return true;
  }
  bool UnicodeEscape(std::string* out) {
    uint32_t cp = 0;
    if (!Hex4(&cp)) return false;
    if (cp >= 0xDC00 && cp <= 0xDFFF) return false;  // lone low surrogate
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      uint32_t low = 0;
      if (!Eat('\\') || !Eat('u') || !Hex4(&low) || low < 0xDC00 || low > 0xDFFF) return false;
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    unicode::AppendUtf8(cp, out);
    return true;
  }
  // The escape sequence after a backslash.
  bool Escape(std::string* out) {
    if (i_ >= t_.size()) return false;
    const char e = t_[i_++];
    if (e == 'u') return UnicodeEscape(out);
    static constexpr std::string_view kFrom = "\"\\/bfnrt";
    static constexpr std::string_view kTo = "\"\\/\b\f\n\r\t";
    const size_t k = kFrom.find(e);
    if (k == std::string_view::npos) return false;
    out->push_back(kTo[k]);
    return true;
  }
  bool ParseString(std::string* out) {
    if (!Eat('"')) return false;
    while (i_ < t_.size()) {
      size_t run = i_;  // copy plain bytes in one go
      while (run < t_.size() && t_[run] != '"' && t_[run] != '\\' &&
             static_cast<unsigned char>(t_[run]) >= 0x20) {
        ++run;
      }
      out->append(t_.substr(i_, run - i_));
      i_ = run;
      if (i_ >= t_.size()) return false;
      const char c = t_[i_++];
      if (c == '"') return true;
      if (c != '\\') return false;  // a raw control character
      if (!Escape(out)) return false;
    }
    return false;
  }
  bool ParseId(int64_t* id) {
    const size_t start = i_;
    while (i_ < t_.size() && t_[i_] >= '0' && t_[i_] <= '9') {
      if (*id > (INT64_MAX - 9) / 10) return false;
      *id = *id * 10 + (t_[i_++] - '0');
    }
    const size_t n = i_ - start;
    if (n == 0 || (n > 1 && t_[start] == '0')) return false;
    return i_ == t_.size() || (t_[i_] != '.' && t_[i_] != 'e' && t_[i_] != 'E');
  }

  std::string_view t_;
  size_t i_ = 0;
  VocabEntries* out_;
};

// The general path: every valid JSON text, with precise errors.
class VocabSax : public nlohmann::json_sax<nlohmann::json> {
 public:
  explicit VocabSax(VocabEntries* out) : out_(out) {}

  bool null() override { return Fail("null value"); }
  bool boolean(bool) override { return Fail("boolean value"); }
  bool number_integer(number_integer_t v) override { return Value(v); }
  bool number_unsigned(number_unsigned_t v) override {
    return v > static_cast<number_unsigned_t>(INT64_MAX) ? Fail("id too large")
                                                         : Value(static_cast<int64_t>(v));
  }
  bool number_float(number_float_t, const string_t&) override { return Fail("non-integer id"); }
  bool string(string_t&) override { return Fail("string value"); }
  bool binary(binary_t&) override { return Fail("binary value"); }
  bool start_object(std::size_t) override { return ++depth_ == 1 || Fail("nested object"); }
  bool key(string_t& k) override {
    key_ = std::move(k);
    return true;
  }
  bool end_object() override {
    --depth_;
    return true;
  }
  bool start_array(std::size_t) override { return Fail("array"); }
  bool end_array() override { return Fail("array"); }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception&) override {
    error_ = "invalid JSON at byte " + std::to_string(position);
    return false;
  }
  const std::string& error() const { return error_; }

 private:
  bool Value(int64_t v) {
    if (depth_ != 1) return Fail("value outside the top-level object");
    if (v < 0) return Fail("negative id");
    AddEntry(key_, v, out_);
    return true;
  }
  bool Fail(const char* what) {
    if (error_.empty()) error_ = std::string("expected an object of token ids, found ") + what;
    return false;
  }

  VocabEntries* out_;
  std::string key_;
  std::string error_;
  int depth_ = 0;
};

}  // namespace

Result<VocabEntries> ParseVocabJson(std::string_view text, const std::string& path) {
  VocabEntries out;
  out.keys.reserve(text.size());
  out.entries.reserve(text.size() / 16);
  if (unicode::IsValidUtf8(text) && FastParser(text, &out).Parse()) return out;
  out.keys.clear();
  out.entries.clear();
  VocabSax sax(&out);
  bool ok = false;
  try {
    ok = nlohmann::json::sax_parse(text, &sax);
  } catch (const std::exception& e) {  // defensive: errors normally reach the handler
    return Status::Corruption(path, std::string("tokenizer: vocab.json: ") + e.what());
  }
  if (!ok) return Status::Corruption(path, "tokenizer: vocab.json: " + sax.error());
  return out;
}

}  // namespace photoidx::models::tokenizer
