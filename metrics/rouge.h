// ROUGE over characters (SPEC §4). The default reproduces the CMExam/Qilin-Med metric code:
// ROUGE-N over n-gram SETS, F = 2PR / (P + R + 1e-8); ROUGE-L from the longest common
// subsequence with beta = P / R. Count-based ROUGE-N (multiset clipping) is an option.
#pragma once

#include <cstddef>

#include "metrics/ngram_overlap.h"

namespace qb {

struct PrecisionRecallF {
  double p = 0, r = 0, f = 0;
};

enum class RougeNgramMode { kSet, kCount };

// ROUGE-n from an overlap computed with max_order >= n. P and R are 0 when the
// hypothesis or reference has no n-gram (empty text, or shorter than n); F = 2PR/(P+R+1e-8).
PrecisionRecallF rouge_n(const NgramOverlap& overlap, int n, RougeNgramMode mode);

// ROUGE-L from the LCS length and the two lengths in characters. P = lcs/|H|, R = lcs/|R|,
// beta = P/R, F = (1 + beta^2) P R / (R + beta^2 P); everything is 0 when lcs is 0
// (which covers an empty hypothesis or reference).
PrecisionRecallF rouge_l(size_t lcs, size_t hyp_len, size_t ref_len);

}  // namespace qb
