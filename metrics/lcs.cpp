#include "metrics/lcs.h"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace qb {

namespace {

// Code point -> mask index for one call, open addressing with a per-call stamp (no allocation,
// no clearing between calls; std::unordered_map allocated a node per distinct character).
class CharIndex {
 public:
  void reset(size_t chars) {
    size_t cap = 64;
    while (cap < 2 * chars) cap <<= 1;
    if (cap > slots_.size()) {
      slots_.assign(cap, Slot{});
      stamp_ = 0;
    }
    mask_ = cap - 1;
    shift_ = 64 - __builtin_ctzll(cap);
    if (++stamp_ == 0) {
      for (auto& s : slots_) s.stamp = 0;
      stamp_ = 1;
    }
    count_ = 0;
  }
  // The index of `c`, inserting it with the next index when new (`fresh` says so).
  uint32_t insert(uint32_t c, bool& fresh) {
    size_t h = (c * 0x9E3779B97F4A7C15ull) >> shift_;
    while (true) {
      Slot& s = slots_[h];
      if (s.stamp != stamp_) {
        s = {c, stamp_, count_};
        fresh = true;
        return count_++;
      }
      if (s.c == c) {
        fresh = false;
        return s.index;
      }
      h = (h + 1) & mask_;
    }
  }
  // The index of `c`, or -1.
  int64_t find(uint32_t c) const {
    size_t h = (c * 0x9E3779B97F4A7C15ull) >> shift_;
    while (true) {
      const Slot& s = slots_[h];
      if (s.stamp != stamp_) return -1;
      if (s.c == c) return s.index;
      h = (h + 1) & mask_;
    }
  }

 private:
  struct Slot {
    uint32_t c = 0, stamp = 0, index = 0;
  };
  std::vector<Slot> slots_;
  size_t mask_ = 0;
  int shift_ = 64;
  uint32_t stamp_ = 0, count_ = 0;
};

template <class Char>
size_t lcs_bits(const std::vector<Char>& a, const std::vector<Char>& b) {
  if (a.empty() || b.empty()) return 0;
  const size_t m = b.size();
  const size_t words = (m + 63) / 64;
  // One bit mask per distinct character of b (bit j set when b[j] == c), stored flat in one
  // buffer reused across calls: no allocation per character or per pair.
  thread_local CharIndex index;
  thread_local std::vector<uint64_t> masks, v;
  // Small dense ids (CharInterner's) index a plain array; other characters go through the
  // hash index. direct[c] / the index give c's mask number, or -1.
  thread_local std::vector<int32_t> direct;
  uint32_t max_char = 0;
  for (const Char c : b) max_char = std::max(max_char, static_cast<uint32_t>(c));
  for (const Char c : a) max_char = std::max(max_char, static_cast<uint32_t>(c));
  const bool dense = max_char <= 2 * (a.size() + b.size()) + 64;
  masks.clear();
  uint32_t distinct = 0;
  if (dense) {
    direct.assign(static_cast<size_t>(max_char) + 1, -1);
  } else {
    index.reset(m);
  }
  for (size_t j = 0; j < m; ++j) {
    bool fresh;
    uint32_t at;
    if (dense) {
      int32_t& d = direct[static_cast<uint32_t>(b[j])];
      fresh = d < 0;
      if (fresh) d = static_cast<int32_t>(distinct++);
      at = static_cast<uint32_t>(d);
    } else {
      at = index.insert(static_cast<uint32_t>(b[j]), fresh);
    }
    if (fresh) masks.resize(masks.size() + words, 0);
    masks[at * words + j / 64] |= uint64_t{1} << (j % 64);
  }
  // V has a 0 bit at every position that ends a match in the current LCS row encoding.
  v.assign(words, ~uint64_t{0});
  for (const Char c : a) {
    const int64_t at = dense ? direct[static_cast<uint32_t>(c)] : index.find(static_cast<uint32_t>(c));
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

size_t lcs_length(const std::vector<char32_t>& a, const std::vector<char32_t>& b) { return lcs_bits(a, b); }
size_t lcs_length(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b) { return lcs_bits(a, b); }

}  // namespace qb
