// Distinct-n (Li et al. 2016): distinct n-grams / total n-grams over all predictions of a
// corpus. Unlike the per-item metrics this needs the corpus-wide set of n-grams, so its memory
// grows with the number of different n-grams produced (not with the number of items once the
// vocabulary saturates), and it has no bootstrap interval.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

namespace qb {

class DistinctCounter {
 public:
  explicit DistinctCounter(int max_order = 2);
  void add(const std::vector<std::string>& tokens);
  // distinct / total for order n (1..max_order); 0 when there is no n-gram at all.
  double distinct(int n) const;
  int64_t total(int n) const { return total_.at(n - 1); }
  int64_t unique(int n) const { return static_cast<int64_t>(seen_.at(n - 1).size()); }

 private:
  int max_order_;
  std::vector<std::unordered_set<std::string>> seen_;
  std::vector<int64_t> total_;
};

}  // namespace qb
