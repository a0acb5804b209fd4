#include "metrics/lcs.h"

#include <algorithm>
#include <cstdint>
#include <unordered_map>

namespace qb {

namespace {

template <class Char>
size_t lcs_bits(const std::vector<Char>& a, const std::vector<Char>& b) {
  if (a.empty() || b.empty()) return 0;
  const size_t m = b.size();
  const size_t words = (m + 63) / 64;
  // One bit mask per distinct character of b (bit j set when b[j] == c), stored flat in one
  // buffer reused across calls: no allocation per character or per pair.
  thread_local std::unordered_map<uint32_t, uint32_t> index;
  thread_local std::vector<uint64_t> masks, v;
  index.clear();
  masks.clear();
  for (size_t j = 0; j < m; ++j) {
    auto [it, fresh] = index.try_emplace(b[j], static_cast<uint32_t>(masks.size() / words));
    if (fresh) masks.resize(masks.size() + words, 0);
    masks[it->second * words + j / 64] |= uint64_t{1} << (j % 64);
  }
  // V has a 0 bit at every position that ends a match in the current LCS row encoding.
  v.assign(words, ~uint64_t{0});
  for (const Char c : a) {
    auto it = index.find(c);
    if (it == index.end()) continue;  // no match: V' = (V + 0) | V = V
    const uint64_t* mask = masks.data() + static_cast<size_t>(it->second) * words;
    uint64_t carry = 0;
    for (size_t k = 0; k < words; ++k) {
      const uint64_t u = v[k] & mask[k];
      const uint64_t t = v[k] + u;
      const uint64_t c1 = t < v[k];
      const uint64_t s = t + carry;
      const uint64_t c2 = s < t;
      carry = c1 | c2;
      v[k] = s | (v[k] & ~mask[k]);
    }
  }
  size_t zeros = 0;
  for (size_t k = 0; k < words; ++k) {
    uint64_t w = ~v[k];
    if (k == words - 1 && m % 64 != 0) w &= (uint64_t{1} << (m % 64)) - 1;
    zeros += static_cast<size_t>(__builtin_popcountll(w));
  }
  return zeros;
}

}  // namespace

size_t lcs_length(const std::vector<char32_t>& a, const std::vector<char32_t>& b) { return lcs_bits(a, b); }
size_t lcs_length(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b) { return lcs_bits(a, b); }

}  // namespace qb
