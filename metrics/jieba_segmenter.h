// The `jieba` segmenter: token-for-token Python jieba 0.42.1 `jieba.cut(text, cut_all=False,
// HMM=...)`, reading jieba's own dict.txt and finalseg HMM tables.
//
// Python's pipeline, reproduced step by step (see jieba/__init__.py and finalseg/__init__.py):
//  1. Split the text into blocks of re_han_default = [\u4E00-\u9FD5a-zA-Z0-9+#&._%-]; every
//     other code point is its own token, except "\r\n", which stays one token (re_skip).
//  2. Per block: the DAG of dictionary words, the best route by sum of log(freq) - log(total)
//     from the end (ties: the longer word), then either
//     - HMM off: consecutive single ASCII letters/digits joined, other words as routed;
//     - HMM on: consecutive single-character words collected; a run of 2+ that is not a
//       dictionary word goes through finalseg (Viterbi over Han, re_skip for the rest).
//  3. User words (add_word semantics, frequency suggested with suggest_freq when absent,
//     frequency 0 = force split in finalseg) change the dictionary and total, as in Python.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "metrics/jieba_dictionary.h"
#include "metrics/jieba_hmm.h"
#include "metrics/segmenter.h"

namespace qb {

// Debian python3-jieba's files (the defaults).
extern const char* const kJiebaDefaultDict;
extern const char* const kJiebaDefaultHmmDir;

class JiebaSegmenter final : public Segmenter {
 public:
  // Loads the dictionary, HMM tables and optional user dictionary; throws InputError
  // naming the file for a missing or malformed one.
  explicit JiebaSegmenter(const SegmenterOptions& options);

  std::vector<std::string> segment(std::string_view text) const override;
  std::string signature() const override { return signature_; }
  void segment_spans(std::string_view text, std::vector<TokenSpan>& out) const override { cut(text, hmm_, out); }

  // The allocation-free core: appends the tokens of `text` to `out` as byte spans.
  // Throws InputError for ill-formed UTF-8.
  void cut(std::string_view text, std::vector<TokenSpan>& out) const { cut(text, hmm_, out); }
  void cut(std::string_view text, bool hmm, std::vector<TokenSpan>& out) const;

  const JiebaDictionary& dictionary() const { return dict_; }

 private:
  void load_user_dict(const std::string& path);
  int64_t suggest_freq(const std::string& word) const;
  void cut_block(size_t begin, size_t end, bool hmm, std::vector<TokenSpan>& out) const;
  void finalseg(size_t begin, size_t end, std::vector<TokenSpan>& out) const;
  void finalseg_han(size_t begin, size_t end, std::vector<TokenSpan>& out) const;
  bool is_force_split(size_t begin, size_t end) const;

  JiebaDictionary dict_;
  std::unique_ptr<JiebaHmm> hmm_model_;  // loaded only when hmm_ is on
  std::vector<int32_t> force_split_;     // trie nodes of words added with frequency 0
  bool hmm_;
  std::string signature_;
};

std::unique_ptr<Segmenter> make_jieba_segmenter(const SegmenterOptions& options);

}  // namespace qb
