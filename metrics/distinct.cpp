#include "metrics/distinct.h"

#include <stdexcept>

namespace qb {

namespace {

void check_order(int n) {
  if (n != 1 && n != 2) throw std::invalid_argument("DistinctCounter: order must be 1 or 2");
}

}  // namespace

void DistinctCounter::add(const std::vector<std::string>& tokens) {
  scratch_.clear();
  for (const auto& t : tokens)
    scratch_.push_back(ids_.try_emplace(t, static_cast<uint32_t>(ids_.size())).first->second);
  total_[0] += static_cast<int64_t>(scratch_.size());
  for (size_t i = 1; i < scratch_.size(); ++i)
    bigrams_.insert((static_cast<uint64_t>(scratch_[i - 1]) << 32) | scratch_[i]);
  if (scratch_.size() > 1) total_[1] += static_cast<int64_t>(scratch_.size() - 1);
}

int64_t DistinctCounter::total(int n) const {
  check_order(n);
  return total_[n - 1];
}

int64_t DistinctCounter::unique(int n) const {
  check_order(n);
  return n == 1 ? static_cast<int64_t>(ids_.size()) : static_cast<int64_t>(bigrams_.size());
}

double DistinctCounter::distinct(int n) const {
  const int64_t t = total(n);
  return t == 0 ? 0.0 : static_cast<double>(unique(n)) / static_cast<double>(t);
}

}  // namespace qb
