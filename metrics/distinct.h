// Distinct-n (Li et al. 2016): distinct n-grams / total n-grams over all predictions of a
// corpus, n = 1 or 2. Unlike the per-item metrics this needs the corpus-wide set of n-grams,
// so its memory grows with the number of different words and word pairs produced (it
// saturates with the vocabulary, not with the number of items), and it has no bootstrap interval.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace qb {

class DistinctCounter {
 public:
  void add(const std::vector<std::string>& tokens);
  // distinct / total for order n (1 or 2); 0 when there is no n-gram at all.
  double distinct(int n) const;
  int64_t total(int n) const;
  int64_t unique(int n) const;

 private:
  std::unordered_map<std::string, uint32_t> ids_;  // word -> id; unigram types = ids_.size()
  std::unordered_set<uint64_t> bigrams_;           // (id << 32) | next id
  int64_t total_[2] = {0, 0};
  std::vector<uint32_t> scratch_;
};

}  // namespace qb
