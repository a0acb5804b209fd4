// GLEU (Wu et al. 2016) as NLTK 3.8 nltk.translate.gleu_score defines it for one reference:
// per item, tp = multiset overlap of all 1..4-grams, n_all = max(hyp 1..4-grams, ref 1..4-grams);
// an item with n_all = 0 (both texts empty) is left out of both sums. corpus_gleu =
// sum tp / sum n_all (0 when the sum of n_all is 0); sentence_gleu is the same on one item.
#pragma once

#include <cstdint>

#include "metrics/ngram_overlap.h"

namespace qb {

struct GleuCounts {
  int64_t tp = 0, n_all = 0;
  static GleuCounts from_overlap(const NgramOverlap& overlap);  // orders 1..4
  GleuCounts& operator+=(const GleuCounts& o) {
    tp += o.tp;
    n_all += o.n_all;
    return *this;
  }
  double score() const { return n_all == 0 ? 0.0 : static_cast<double>(tp) / static_cast<double>(n_all); }
};

}  // namespace qb
