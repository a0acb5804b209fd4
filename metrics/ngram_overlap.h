// N-gram overlap between one hypothesis and one reference: the sufficient statistics
// behind BLEU (clipped counts), GLEU (multiset overlap), set- and count-based ROUGE-N.
// Computed once per item; corpus scores and bootstrap resamples only add these up.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/segmenter.h"

namespace qb {

// Highest order kept: BLEU-4 plus NLTK smoothing method5/7, which also look at 5-grams.
constexpr int kMaxNgramOrder = 5;

// Per order n (index n-1).
struct NgramOverlap {
  int64_t hyp_total[kMaxNgramOrder] = {};        // n-grams in the hypothesis (with repeats)
  int64_t ref_total[kMaxNgramOrder] = {};        // n-grams in the reference (with repeats)
  int64_t clipped[kMaxNgramOrder] = {};          // sum over n-grams of min(hyp count, ref count)
  int64_t hyp_distinct[kMaxNgramOrder] = {};     // distinct hypothesis n-grams
  int64_t ref_distinct[kMaxNgramOrder] = {};     // distinct reference n-grams
  int64_t common_distinct[kMaxNgramOrder] = {};  // distinct n-grams in both
};

// Largest token id ngram_overlap accepts. N-grams are packed into one integer key: 64 bits
// when the ids are small enough (the usual case: per-item ids, or code points for orders <= 3),
// else 25 bits per token in a 128-bit key.
constexpr uint32_t kMaxNgramTokenId = (1u << 25) - 1;

// Overlap for orders 1..max_order (<= kMaxNgramOrder); higher orders stay zero.
// Tokens are small integer ids (code points, or ids from TokenInterner).
NgramOverlap ngram_overlap(const std::vector<uint32_t>& hyp, const std::vector<uint32_t>& ref,
                           int max_order = kMaxNgramOrder);

// Only what BLEU and GLEU read: hyp_total, ref_total and clipped (the *_distinct fields stay
// 0), equal to ngram_overlap's. Faster: an (n+1)-gram can only match where both n-grams inside
// it match, so higher orders look up only those positions, and stop once nothing matches.
NgramOverlap ngram_matches(const std::vector<uint32_t>& hyp, const std::vector<uint32_t>& ref,
                           int max_order = kMaxNgramOrder);

// Maps word tokens to dense per-item ids 0, 1, 2, ... (small ids keep n-gram keys in 64 bits).
// clear() starts a new item. Words are looked up as byte strings in an open-addressing table
// that is emptied per item by a stamp, so nothing is allocated per word once warm and memory
// is bounded by the largest item. The words must stay alive until clear().
class TokenInterner {
 public:
  std::vector<uint32_t> ids(const std::vector<std::string>& tokens);
  // Appends the ids of `text`'s tokens `spans` to `out`.
  void ids(std::string_view text, const std::vector<TokenSpan>& spans, std::vector<uint32_t>& out);
  void clear();

 private:
  uint32_t id(std::string_view word);
  struct Slot {
    const char* data;
    uint32_t size, stamp, id;
  };
  std::vector<Slot> table_;
  uint32_t item_ = 1, next_ = 0;
  int shift_ = 64;
};

}  // namespace qb
