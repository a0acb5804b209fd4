#include "metrics/ngram_overlap.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "common/error.h"
#include "common/fnv1a.h"

namespace qb {

namespace {

// Keys of all n-grams of one order, sorted so equal n-grams are adjacent (128-bit keys only:
// n-grams of many distinct tokens, rare).
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

void count_orders_sorted(const std::vector<uint32_t>& hyp, const std::vector<uint32_t>& ref, int orders,
                         int bits, NgramOverlap& out) {
  using Key = unsigned __int128;
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

// Order 1 by direct counting when the ids are small (per-item ids from TokenInterner, or the
// dense ids a caller maps characters to): two count arrays indexed by id instead of a hash
// table. Fills the order-1 fields of `out`; hc/rc keep the counts for the caller.
bool small_ids(uint32_t max_id, size_t tokens) { return max_id <= 2 * tokens + 64; }

void count_unigrams_direct(const std::vector<uint32_t>& hyp, const std::vector<uint32_t>& ref, uint32_t max_id,
                           std::vector<int32_t>& hc, std::vector<int32_t>& rc, NgramOverlap& out) {
  hc.assign(static_cast<size_t>(max_id) + 1, 0);
  rc.assign(static_cast<size_t>(max_id) + 1, 0);
  for (uint32_t t : ref) ++rc[t];
  int64_t clipped = 0, hyp_distinct = 0, common = 0;
  for (uint32_t t : hyp) {
    const int32_t c = ++hc[t];  // a hypothesis occurrence is a clipped match while c <= ref count
    clipped += c <= rc[t];
    if (c == 1) {
      ++hyp_distinct;
      common += rc[t] > 0;
    }
  }
  int64_t ref_distinct = 0;
  for (int32_t c : rc) ref_distinct += c > 0;
  out.hyp_total[0] = static_cast<int64_t>(hyp.size());
  out.ref_total[0] = static_cast<int64_t>(ref.size());
  out.clipped[0] = clipped;
  out.hyp_distinct[0] = hyp_distinct;
  out.ref_distinct[0] = ref_distinct;
  out.common_distinct[0] = common;
}

// Counting with a hash table of packed 64-bit n-gram keys: one pass over the reference's
// n-grams, one over the hypothesis's, O(length) instead of sorting. A hypothesis occurrence
// is a clipped match exactly when its running count is <= the reference count, so
// clipped = sum over n-grams of min(hyp count, ref count) without a second pass.
class NgramTable {
 public:
  void reset(size_t ngrams) {
    size_t cap = 16;
    int bits = 4;
    while (cap < 2 * ngrams) cap <<= 1, ++bits;
    if (cap > slots_.size()) {
      slots_.assign(cap, Slot{});
      stamp_ = 0;
    }
    // A smaller round uses a power-of-two prefix of the big table (stale stamps = empty).
    size_ = cap;
    shift_ = 64 - bits;
    if (++stamp_ == 0) {  // stamp wrapped: really clear
      for (auto& s : slots_) s.stamp = 0;
      stamp_ = 1;
    }
  }
  // The counts of `key` (zeroed when it is new in this round).
  struct Counts {
    int32_t hyp, ref;
  };
  // The counts of `key`, or null when it is not in the table this round.
  Counts* find(uint64_t key) {
    const size_t mask = size_ - 1;
    size_t h = static_cast<size_t>((key * kFibonacci) >> shift_);
    while (true) {
      Slot& s = slots_[h];
      if (s.stamp != stamp_) return nullptr;
      if (s.key == key) return &s.counts;
      h = (h + 1) & mask;
    }
  }
  Counts& at(uint64_t key) {
    const size_t mask = size_ - 1;
    size_t h = static_cast<size_t>((key * kFibonacci) >> shift_);
    while (true) {
      Slot& s = slots_[h];
      if (s.stamp != stamp_) {
        s.stamp = stamp_;
        s.key = key;
        s.counts = {0, 0};
        return s.counts;
      }
      if (s.key == key) return s.counts;
      h = (h + 1) & mask;
    }
  }

 private:
  struct Slot {
    uint64_t key = 0;
    uint32_t stamp = 0;
    Counts counts{0, 0};
  };
  std::vector<Slot> slots_;
  size_t size_ = 0;
  int shift_ = 64;
  uint32_t stamp_ = 0;
};

void count_orders_hashed(const std::vector<uint32_t>& hyp, const std::vector<uint32_t>& ref, int orders, int bits,
                         uint32_t max_id, NgramOverlap& out) {
  thread_local NgramTable table;
  int first = 1;
  if (small_ids(max_id, hyp.size() + ref.size())) {
    thread_local std::vector<int32_t> hc, rc;
    count_unigrams_direct(hyp, ref, max_id, hc, rc, out);
    first = 2;
  }
  for (int n = first; n <= orders; ++n) {
    const int o = n - 1;
    const size_t hn = hyp.size() >= static_cast<size_t>(n) ? hyp.size() - n + 1 : 0;
    const size_t rn = ref.size() >= static_cast<size_t>(n) ? ref.size() - n + 1 : 0;
    out.hyp_total[o] = static_cast<int64_t>(hn);
    out.ref_total[o] = static_cast<int64_t>(rn);
    if (hn == 0 && rn == 0) continue;
    table.reset(hn + rn);
    const uint64_t keep = n * bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << (n * bits)) - 1;
    uint64_t k = 0;
    int64_t ref_distinct = 0, hyp_distinct = 0, common = 0, clipped = 0;
    for (size_t i = 0; i < ref.size(); ++i) {
      k = ((k << bits) | ref[i]) & keep;  // rolling key of the n tokens ending at i
      if (i + 1 < static_cast<size_t>(n)) continue;
      if (table.at(k).ref++ == 0) ++ref_distinct;
    }
    k = 0;
    for (size_t i = 0; i < hyp.size(); ++i) {
      k = ((k << bits) | hyp[i]) & keep;
      if (i + 1 < static_cast<size_t>(n)) continue;
      NgramTable::Counts& c = table.at(k);
      if (++c.hyp == 1) {
        ++hyp_distinct;
        common += c.ref > 0;
      }
      clipped += c.hyp <= c.ref;
    }
    out.clipped[o] = clipped;
    out.hyp_distinct[o] = hyp_distinct;
    out.ref_distinct[o] = ref_distinct;
    out.common_distinct[o] = common;
  }
}

// ngram_matches for 64-bit keys. live_h[i] / live_r[j]: the (n-1)-gram at i (j) occurs on
// the other side, so the n-gram there can match only if live at i and i+1.
void count_matches_hashed(const std::vector<uint32_t>& hyp, const std::vector<uint32_t>& ref, int orders, int bits,
                          uint32_t max_id, NgramOverlap& out) {
  thread_local NgramTable table;
  thread_local std::vector<uint8_t> live_h, live_r;
  bool any = true;
  int first = 1;
  if (small_ids(max_id, hyp.size() + ref.size()) && !hyp.empty() && !ref.empty()) {
    // Order 1 by counting; its live flags (the token occurs on the other side) seed order 2.
    thread_local std::vector<int32_t> hc, rc;
    count_unigrams_direct(hyp, ref, max_id, hc, rc, out);
    out.hyp_distinct[0] = out.ref_distinct[0] = out.common_distinct[0] = 0;  // not part of this result
    live_h.resize(hyp.size());
    live_r.resize(ref.size());
    for (size_t i = 0; i < hyp.size(); ++i) live_h[i] = rc[hyp[i]] > 0;
    for (size_t j = 0; j < ref.size(); ++j) live_r[j] = hc[ref[j]] > 0;
    any = out.clipped[0] > 0;
    first = 2;
  } else {
    live_h.assign(hyp.size(), 1);
    live_r.assign(ref.size(), 1);
  }
  for (int n = first; n <= orders; ++n) {
    const int o = n - 1;
    const size_t hn = hyp.size() >= static_cast<size_t>(n) ? hyp.size() - n + 1 : 0;
    const size_t rn = ref.size() >= static_cast<size_t>(n) ? ref.size() - n + 1 : 0;
    out.hyp_total[o] = static_cast<int64_t>(hn);
    out.ref_total[o] = static_cast<int64_t>(rn);
    if (!any || hn == 0 || rn == 0) {
      any = false;
      continue;
    }
    const uint64_t keep = n * bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << (n * bits)) - 1;
    // live[i] for this order: live for n-1 at i and at i+1 (the n-gram's two (n-1)-grams).
    if (n > 1) {
      for (size_t i = 0; i < hn; ++i) live_h[i] = live_h[i] & live_h[i + 1];
      for (size_t j = 0; j < rn; ++j) live_r[j] = live_r[j] & live_r[j + 1];
    }
    size_t candidates = 0;
    for (size_t j = 0; j < rn; ++j) candidates += live_r[j];
    table.reset(candidates);
    uint64_t k = 0;
    for (size_t j = 0; j < ref.size(); ++j) {
      k = ((k << bits) | ref[j]) & keep;
      if (j + 1 < static_cast<size_t>(n) || !live_r[j + 1 - n]) continue;
      table.at(k).ref++;
    }
    int64_t clipped = 0;
    k = 0;
    for (size_t i = 0; i < hyp.size(); ++i) {
      k = ((k << bits) | hyp[i]) & keep;
      if (i + 1 < static_cast<size_t>(n)) continue;
      uint8_t& live = live_h[i + 1 - n];
      if (!live) continue;
      NgramTable::Counts* c = table.find(k);
      if (c == nullptr) {
        live = 0;
        continue;
      }
      clipped += ++c->hyp <= c->ref;
    }
    out.clipped[o] = clipped;
    any = clipped > 0;
    if (!any || n == orders) continue;
    // Which reference n-grams occur in the hypothesis (for the next order's pruning).
    k = 0;
    for (size_t j = 0; j < ref.size(); ++j) {
      k = ((k << bits) | ref[j]) & keep;
      if (j + 1 < static_cast<size_t>(n)) continue;
      uint8_t& live = live_r[j + 1 - n];
      if (live) live = table.find(k)->hyp > 0;
    }
  }
}

}  // namespace

NgramOverlap ngram_matches(const std::vector<uint32_t>& hyp, const std::vector<uint32_t>& ref, int max_order) {
  const uint32_t m = std::max(max_id(hyp), max_id(ref));
  const int bits = m == 0 ? 1 : 32 - __builtin_clz(m);
  const int orders = std::min(max_order, kMaxNgramOrder);
  NgramOverlap out;
  if (bits * orders <= 64) {
    count_matches_hashed(hyp, ref, orders, bits, m, out);
  } else {
    count_orders_sorted(hyp, ref, orders, 25, out);
    for (int o = 0; o < kMaxNgramOrder; ++o) out.hyp_distinct[o] = out.ref_distinct[o] = out.common_distinct[o] = 0;
  }
  return out;
}

NgramOverlap ngram_overlap(const std::vector<uint32_t>& hyp, const std::vector<uint32_t>& ref,
                           int max_order) {
  const uint32_t m = std::max(max_id(hyp), max_id(ref));
  const int bits = m == 0 ? 1 : 32 - __builtin_clz(m);
  const int orders = std::min(max_order, kMaxNgramOrder);
  NgramOverlap out;
  if (bits * orders <= 64)
    count_orders_hashed(hyp, ref, orders, bits, m, out);
  else
    count_orders_sorted(hyp, ref, orders, 25, out);
  return out;
}

static uint64_t word_hash(const char* p, size_t n) { return fnv1a_table_hash(std::string_view(p, n)); }

void TokenInterner::clear() {
  next_ = 0;
  if (++item_ == 0) {  // stamp wrapped: really clear
    for (auto& s : table_) s.stamp = 0;
    item_ = 1;
  }
}

uint32_t TokenInterner::id(std::string_view w) {
  if ((next_ + 1) * 2 > table_.size()) {  // load <= 1/2; grow and re-insert this item's words
    std::vector<Slot> old(std::max<size_t>(64, table_.size() * 2));
    old.swap(table_);
    shift_ = 64 - __builtin_ctzll(table_.size());
    for (const Slot& s : old) {
      if (s.stamp != item_) continue;
      size_t h = static_cast<size_t>(word_hash(s.data, s.size) >> shift_);
      while (table_[h].stamp == item_) h = (h + 1) & (table_.size() - 1);
      table_[h] = s;
    }
  }
  const size_t mask = table_.size() - 1;
  size_t h = static_cast<size_t>(word_hash(w.data(), w.size()) >> shift_);
  while (true) {
    Slot& s = table_[h];
    if (s.stamp != item_) {
      s = {w.data(), static_cast<uint32_t>(w.size()), item_, next_};
      return next_++;
    }
    if (s.size == w.size() && std::memcmp(s.data, w.data(), w.size()) == 0) return s.id;
    h = (h + 1) & mask;
  }
}

void TokenInterner::ids(std::string_view text, const std::vector<TokenSpan>& spans, std::vector<uint32_t>& out) {
  out.reserve(out.size() + spans.size());
  for (const TokenSpan& t : spans) out.push_back(id(text.substr(t.begin, t.end - t.begin)));
}

std::vector<uint32_t> TokenInterner::ids(const std::vector<std::string>& tokens) {
  std::vector<uint32_t> out;
  out.reserve(tokens.size());
  for (const auto& t : tokens) out.push_back(id(t));
  return out;
}

}  // namespace qb
