#include "metrics/lcs.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "metrics/char_interner.h"

namespace qb {

namespace {

// a and b as ids below `ids`: each id's mask number is found in an array, not a hash table.
size_t lcs_bits(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b, uint32_t ids) {
  if (a.empty() || b.empty()) return 0;
  const size_t m = b.size();
  const size_t words = (m + 63) / 64;
  // One bit mask per distinct character of b (bit j set when b[j] == c), stored flat in one
  // buffer reused across calls: no allocation per character or per pair.
  thread_local std::vector<uint64_t> masks, v;
  thread_local std::vector<int32_t> mask_of;  // by character id: its mask's number, or -1
  masks.clear();
  mask_of.assign(ids, -1);
  int32_t distinct = 0;
  for (size_t j = 0; j < m; ++j) {
    int32_t& at = mask_of[b[j]];
    if (at < 0) {
      at = distinct++;
      masks.resize(masks.size() + words, 0);
    }
    masks[static_cast<size_t>(at) * words + j / 64] |= uint64_t{1} << (j % 64);
  }
  // V has a 0 bit at every position that ends a match in the current LCS row encoding.
  v.assign(words, ~uint64_t{0});
  for (const uint32_t c : a) {
    const int32_t at = mask_of[c];
    if (at < 0) continue;  // no match: V' = (V + 0) | V = V
    const uint64_t* mask = masks.data() + static_cast<size_t>(at) * words;
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

size_t lcs_length(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b) {
  uint32_t max_id = 0;
  for (uint32_t c : a) max_id = std::max(max_id, c);
  for (uint32_t c : b) max_id = std::max(max_id, c);
  if (max_id <= 2 * (a.size() + b.size()) + 64) return lcs_bits(a, b, max_id + 1);  // dense already
  // Sparse ids (e.g. code points): number the characters of this pair first.
  thread_local CharInterner interner;
  thread_local std::vector<uint32_t> dense_a, dense_b;
  dense_a = a;
  dense_b = b;
  interner.clear();
  interner.intern(dense_a);
  interner.intern(dense_b);
  return lcs_bits(dense_a, dense_b, interner.size());
}

size_t lcs_length(const std::vector<char32_t>& a, const std::vector<char32_t>& b) {
  thread_local std::vector<uint32_t> ua, ub;
  ua.assign(a.begin(), a.end());
  ub.assign(b.begin(), b.end());
  return lcs_length(ua, ub);
}

}  // namespace qb
