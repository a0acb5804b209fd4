#include "metrics/ngram_overlap.h"

#include <algorithm>
#include <stdexcept>

#include "common/error.h"

namespace qb {

namespace {

using Key = unsigned __int128;

// Keys of all n-grams of one order, sorted so equal n-grams are adjacent.
void sorted_keys(const std::vector<uint32_t>& tokens, int n, std::vector<Key>& keys) {
  keys.clear();
  if (tokens.size() < static_cast<size_t>(n)) return;
  keys.reserve(tokens.size() - n + 1);
  for (size_t i = 0; i + n <= tokens.size(); ++i) {
    Key k = 0;
    for (int j = 0; j < n; ++j) k = (k << 25) | tokens[i + j];
    keys.push_back(k);
  }
  std::sort(keys.begin(), keys.end());
}

void check_ids(const std::vector<uint32_t>& tokens) {
  for (uint32_t t : tokens)
    if (t > kMaxNgramTokenId)
      throw std::invalid_argument("ngram_overlap: token id " + std::to_string(t) + " exceeds 2^25-1");
}

}  // namespace

NgramOverlap ngram_overlap(const std::vector<uint32_t>& hyp, const std::vector<uint32_t>& ref,
                           int max_order) {
  check_ids(hyp);
  check_ids(ref);
  NgramOverlap out;
  std::vector<Key> h, r;
  const int orders = std::min(max_order, kMaxNgramOrder);
  for (int n = 1; n <= orders; ++n) {
    sorted_keys(hyp, n, h);
    sorted_keys(ref, n, r);
    const int o = n - 1;
    out.hyp_total[o] = static_cast<int64_t>(h.size());
    out.ref_total[o] = static_cast<int64_t>(r.size());
    // Merge two sorted runs: each distinct key is visited once with its count on each side.
    size_t i = 0, j = 0;
    while (i < h.size() || j < r.size()) {
      Key k;
      if (j == r.size() || (i < h.size() && h[i] < r[j]))
        k = h[i];
      else
        k = r[j];
      int64_t ch = 0, cr = 0;
      while (i < h.size() && h[i] == k) ++i, ++ch;
      while (j < r.size() && r[j] == k) ++j, ++cr;
      out.clipped[o] += std::min(ch, cr);
      out.hyp_distinct[o] += ch > 0;
      out.ref_distinct[o] += cr > 0;
      out.common_distinct[o] += (ch > 0 && cr > 0);
    }
  }
  return out;
}

std::vector<uint32_t> TokenInterner::ids(const std::vector<std::string>& tokens) {
  std::vector<uint32_t> out;
  out.reserve(tokens.size());
  for (const auto& t : tokens) {
    auto it = ids_.try_emplace(t, static_cast<uint32_t>(ids_.size())).first;
    out.push_back(it->second);
  }
  return out;
}

}  // namespace qb
