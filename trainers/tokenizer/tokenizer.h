// Text <-> token ids for a checkpoint. No torch in this header.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace qb {

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  // Ids of `text`, without BOS/EOS (callers add BOS where the model expects it).
  virtual std::vector<int64_t> encode(std::string_view text) const = 0;
  // Text of `ids`; special tokens are skipped and the result is always valid UTF-8
  // (an incomplete or invalid byte sequence becomes U+FFFD).
  virtual std::string decode(const std::vector<int64_t>& ids) const = 0;
  virtual int64_t vocab_size() const = 0;
  virtual int64_t pad_id() const = 0;
  virtual int64_t bos_id() const = 0;
  virtual int64_t eos_id() const = 0;
  virtual int64_t unk_id() const = 0;
  // Names the tokenizer and its version for logs and cache keys, e.g. "qilin-char:v1:5123".
  virtual std::string signature() const = 0;
};

// The tokenizer saved beside a checkpoint: DIR/tokenizer.json in the qilin-char
// format (char_tokenizer.h). Throws InputError naming the directory when there is
// none, or the file when it is malformed or of a format this build does not read.
std::unique_ptr<Tokenizer> load_tokenizer(const std::filesystem::path& checkpoint_dir);

}  // namespace qb
