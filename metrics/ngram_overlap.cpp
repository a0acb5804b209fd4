#include "metrics/ngram_overlap.h"

#include <algorithm>
#include <stdexcept>

#include "common/error.h"

namespace qb {

namespace {

// Keys of all n-grams of one order, sorted so equal n-grams are adjacent.
template <class Key>
void sorted_keys(const std::vector<uint32_t>& tokens, int n, int bits, std::vector<Key>& keys) {
  keys.clear();
  if (tokens.size() < static_cast<size_t>(n)) return;
  keys.reserve(tokens.size() - n + 1);
  for (size_t i = 0; i + n <= tokens.size(); ++i) {
    Key k = 0;
    for (int j = 0; j < n; ++j) k = (k << bits) | tokens[i + j];
    keys.push_back(k);
  }
  std::sort(keys.begin(), keys.end());
}

uint32_t max_id(const std::vector<uint32_t>& tokens) {
  uint32_t m = 0;
  for (uint32_t t : tokens) m = std::max(m, t);
  if (m > kMaxNgramTokenId)
    throw std::invalid_argument("ngram_overlap: token id " + std::to_string(m) + " exceeds 2^25-1");
  return m;
}

template <class Key>
void count_orders(const std::vector<uint32_t>& hyp, const std::vector<uint32_t>& ref, int orders, int bits,
                  NgramOverlap& out) {
  thread_local std::vector<Key> h, r;  // reused: no allocation per item once warmed up
  for (int n = 1; n <= orders; ++n) {
    sorted_keys(hyp, n, bits, h);
    sorted_keys(ref, n, bits, r);
    const int o = n - 1;
    out.hyp_total[o] = static_cast<int64_t>(h.size());
    out.ref_total[o] = static_cast<int64_t>(r.size());
    // Merge two sorted runs: each distinct key is visited once with its count on each side.
    size_t i = 0, j = 0;
    while (i < h.size() || j < r.size()) {
      Key k;  // the smaller head
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
}

}  // namespace

NgramOverlap ngram_overlap(const std::vector<uint32_t>& hyp, const std::vector<uint32_t>& ref,
                           int max_order) {
  const uint32_t m = std::max(max_id(hyp), max_id(ref));
  const int bits = m == 0 ? 1 : 32 - __builtin_clz(m);
  const int orders = std::min(max_order, kMaxNgramOrder);
  NgramOverlap out;
  if (bits * orders <= 64)
    count_orders<uint64_t>(hyp, ref, orders, bits, out);
  else
    count_orders<unsigned __int128>(hyp, ref, orders, 25, out);
  return out;
}

void TokenInterner::clear() {
  ++item_;
  next_local_ = 0;
  if (global_.size() > (1u << 20)) {  // bound memory: forget the words, keep ids consistent per item
    global_.clear();
    local_.clear();
    stamp_.clear();
  }
}

std::vector<uint32_t> TokenInterner::ids(const std::vector<std::string>& tokens) {
  std::vector<uint32_t> out;
  out.reserve(tokens.size());
  for (const auto& t : tokens) {
    const uint32_t g = global_.try_emplace(t, static_cast<uint32_t>(global_.size())).first->second;
    if (g >= local_.size()) {
      local_.resize(g + 1, 0);
      stamp_.resize(g + 1, 0);
    }
    if (stamp_[g] != item_) {
      stamp_[g] = item_;
      local_[g] = next_local_++;
    }
    out.push_back(local_[g]);
  }
  return out;
}

}  // namespace qb
