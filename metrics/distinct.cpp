#include "metrics/distinct.h"

#include <stdexcept>

namespace qb {

DistinctCounter::DistinctCounter(int max_order)
    : max_order_(max_order), seen_(max_order), total_(max_order, 0) {
  if (max_order < 1) throw std::invalid_argument("DistinctCounter: max_order must be >= 1");
}

void DistinctCounter::add(const std::vector<std::string>& tokens) {
  std::string key;
  for (int n = 1; n <= max_order_; ++n) {
    if (tokens.size() < static_cast<size_t>(n)) break;
    for (size_t i = 0; i + n <= tokens.size(); ++i) {
      key.clear();
      // Each token is prefixed by its byte length so that no two different n-grams share a key.
      for (int j = 0; j < n; ++j) {
        const uint32_t len = static_cast<uint32_t>(tokens[i + j].size());
        key.append(reinterpret_cast<const char*>(&len), sizeof len);
        key += tokens[i + j];
      }
      seen_[n - 1].insert(key);
      ++total_[n - 1];
    }
  }
}

double DistinctCounter::distinct(int n) const {
  if (n < 1 || n > max_order_) throw std::invalid_argument("DistinctCounter: order out of range");
  const int64_t t = total_[n - 1];
  return t == 0 ? 0.0 : static_cast<double>(seen_[n - 1].size()) / static_cast<double>(t);
}

}  // namespace qb
