// Helpers for the metric tests: per-item statistics from code points (no segmenter involved).
#pragma once

#include <string>
#include <vector>

#include "metrics/bleu.h"
#include "metrics/ngram_overlap.h"
#include "metrics/text_prep.h"

namespace qb::testing {

inline std::vector<uint32_t> char_ids(const std::string& s) {
  const auto cps = code_points(s);
  return std::vector<uint32_t>(cps.begin(), cps.end());
}

// BLEU counts with one token per code point.
inline BleuCounts char_bleu_counts(const std::string& hyp, const std::string& ref) {
  const auto h = char_ids(hyp), r = char_ids(ref);
  return BleuCounts::from_overlap(ngram_overlap(h, r), static_cast<int64_t>(h.size()),
                                  static_cast<int64_t>(r.size()));
}

}  // namespace qb::testing
