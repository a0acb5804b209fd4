// Word segmentation behind one interface: char, jieba, icu (SPEC §4).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace qb {

// One token as byte offsets [begin, end) into the segmented text.
struct TokenSpan {
  uint32_t begin, end;
};

class Segmenter {
 public:
  virtual ~Segmenter() = default;
  // Tokens of one UTF-8 text, in order. Whitespace handling is the segmenter's own
  // (jieba keeps spaces as tokens, as Python jieba does); metrics strip first.
  virtual std::vector<std::string> segment(std::string_view text) const = 0;
  // The same tokens as byte spans of `text`, appended to `out` (no string per token: the
  // scoring hot path). The default locates segment()'s tokens in `text` one after another.
  virtual void segment_spans(std::string_view text, std::vector<TokenSpan>& out) const;
  // Names everything that changes the output, for metric signatures,
  // e.g. "jieba-0.42.1|hmm:1" or "char" or "icu-72".
  virtual std::string signature() const = 0;
};

struct SegmenterOptions {
  std::string kind = "jieba";  // "char", "jieba" or "icu"
  bool hmm = true;             // jieba only
  std::string dict_path;       // jieba only; empty = Debian python3-jieba's dict.txt
  std::string user_dict_path;  // jieba only; optional extra words ("word [freq] [tag]" lines)
  std::string hmm_model_dir;   // jieba only; finalseg's prob_*.py; empty = Debian python3-jieba's
};

// Throws InputError for an unknown kind or an unreadable dictionary.
std::unique_ptr<Segmenter> make_segmenter(const SegmenterOptions& options);

}  // namespace qb
