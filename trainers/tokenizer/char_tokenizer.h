// A character-level tokenizer with byte fallback, trained from a corpus: the natural
// choice for Chinese, where one character is one token. No torch in this header.
//
// Ids: 0 <pad>, 1 <s>, 2 </s>, 3 <unk>, 4..259 the bytes <0x00>..<0xFF>, then one id
// per vocabulary character. A character outside the vocabulary is encoded as the
// byte tokens of its UTF-8 form, so encoding is lossless and
// encode(a + b) == encode(a) + encode(b) for every a, b (no merges across the
// boundary) — the engine relies on that for shared-context scoring.
//
// File format (tokenizer.json):
//   {"format": "qilin-char-tokenizer", "version": 1,
//    "special_tokens": ["<pad>", "<s>", "</s>", "<unk>"], "byte_fallback": true,
//    "chars": ["的", "是", ...]}      // id of chars[i] is 260 + i
#pragma once

#include <filesystem>
#include <string>
#include <unordered_map>
#include <vector>

#include "trainers/tokenizer/tokenizer.h"

namespace qb {

struct CharTokenizerTraining {
  int64_t min_frequency = 1;  // characters seen fewer times fall back to bytes
  int64_t max_chars = 0;      // 0 = no limit; otherwise the most frequent ones
};

class CharTokenizer : public Tokenizer {
 public:
  static constexpr int64_t kPad = 0, kBos = 1, kEos = 2, kUnk = 3, kFirstByte = 4, kFirstChar = 260;

  explicit CharTokenizer(std::vector<std::string> chars);

  // Deterministic training: characters (Unicode code points; invalid UTF-8 bytes
  // are not characters) counted over `texts`, kept when seen >= min_frequency,
  // ordered by count descending, then by code point ascending.
  static CharTokenizer train(const std::vector<std::string>& texts, const CharTokenizerTraining& options = {});
  static CharTokenizer load(const std::filesystem::path& file);
  static CharTokenizer parse(const std::string& json_text, const std::string& file);
  void save(const std::filesystem::path& file) const;  // atomic
  std::string to_json() const;

  std::vector<int64_t> encode(std::string_view text) const override;
  std::string decode(const std::vector<int64_t>& ids) const override;
  int64_t vocab_size() const override { return kFirstChar + static_cast<int64_t>(chars_.size()); }
  int64_t pad_id() const override { return kPad; }
  int64_t bos_id() const override { return kBos; }
  int64_t eos_id() const override { return kEos; }
  int64_t unk_id() const override { return kUnk; }
  std::string signature() const override;
  const std::vector<std::string>& chars() const { return chars_; }

 private:
  std::vector<std::string> chars_;
  std::unordered_map<std::string, int64_t> ids_;
};

}  // namespace qb
