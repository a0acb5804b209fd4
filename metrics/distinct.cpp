#include "metrics/distinct.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "common/fnv1a.h"

namespace qb {

namespace {

void check_order(int n) {
  if (n != 1 && n != 2) throw std::invalid_argument("DistinctCounter: order must be 1 or 2");
}

uint64_t hash_bytes(std::string_view s) { return fnv1a_table_hash(s); }

int log2_size(size_t n) { return __builtin_ctzll(n); }

}  // namespace

namespace {

// Grows an open-addressing table (load <= 1/2, a power of two, indexed by the top `shift`
// bits of home(slot)) to hold `needed` entries, re-inserting the old ones.
template <class Slot, class IsEmpty, class Home>
void grow_table(std::vector<Slot>& table, int& shift, size_t needed, IsEmpty is_empty, Home home) {
  if (needed * 2 <= table.size()) return;
  size_t size = std::max<size_t>(1024, table.size());
  while (needed * 2 > size) size *= 2;
  std::vector<Slot> old(size);
  old.swap(table);
  shift = 64 - log2_size(table.size());
  for (const Slot& s : old) {
    if (is_empty(s)) continue;
    size_t h = home(s) >> shift;
    while (!is_empty(table[h])) h = (h + 1) & (table.size() - 1);
    table[h] = s;
  }
}

}  // namespace

void DistinctCounter::reserve_words(size_t more) {
  grow_table(words_, words_shift_, word_count_ + more, [](const WordSlot& s) { return s.id == UINT32_MAX; },
             [](const WordSlot& s) { return s.hash; });
}

void DistinctCounter::reserve_bigrams(size_t more) {
  grow_table(bigrams_, bigrams_shift_, bigram_count_ + more, [](uint64_t k) { return k == 0; },
             [](uint64_t k) { return k * kFibonacci; });
}

// Capacity for the word was reserved by the caller.
uint32_t DistinctCounter::word_id(std::string_view w, uint64_t hash) {
  const size_t mask = words_.size() - 1;
  size_t h = hash >> words_shift_;
  while (true) {
    WordSlot& s = words_[h];
    if (s.id == UINT32_MAX) {
      s = {hash, static_cast<uint32_t>(arena_.size()), static_cast<uint32_t>(w.size()), word_count_};
      arena_.append(w);
      return word_count_++;
    }
    if (s.hash == hash && s.size == w.size() && std::memcmp(arena_.data() + s.offset, w.data(), w.size()) == 0)
      return s.id;
    h = (h + 1) & mask;
  }
}

// Capacity for the pair was reserved by the caller.
void DistinctCounter::add_bigram(uint64_t key) {
  const size_t mask = bigrams_.size() - 1;
  size_t h = (key * kFibonacci) >> bigrams_shift_;
  while (bigrams_[h] != 0) {
    if (bigrams_[h] == key) return;
    h = (h + 1) & mask;
  }
  bigrams_[h] = key;
  ++bigram_count_;
}

void DistinctCounter::add_ids() {
  const size_t n = scratch_.size();
  total_[0] += static_cast<int64_t>(n);
  if (n < 2) return;
  total_[1] += static_cast<int64_t>(n - 1);
  reserve_bigrams(n - 1);
  hashes_.resize(n - 1);
  for (size_t i = 1; i < n; ++i) {
    const uint64_t key = (static_cast<uint64_t>(scratch_[i - 1]) + 1) << 32 | (static_cast<uint64_t>(scratch_[i]) + 1);
    hashes_[i - 1] = key;
    __builtin_prefetch(&bigrams_[(key * kFibonacci) >> bigrams_shift_]);
  }
  for (size_t i = 0; i + 1 < n; ++i) add_bigram(hashes_[i]);
}

void DistinctCounter::add_words(std::string_view text, const std::vector<TokenSpan>& spans) {
  const size_t n = spans.size();
  reserve_words(n);
  hashes_.resize(n);
  for (size_t i = 0; i < n; ++i) {
    hashes_[i] = hash_bytes(text.substr(spans[i].begin, spans[i].end - spans[i].begin));
    __builtin_prefetch(&words_[hashes_[i] >> words_shift_]);
  }
  // The home slots are (mostly) in cache now; fetch the stored words they point at.
  for (size_t i = 0; i < n; ++i) {
    const WordSlot& s = words_[hashes_[i] >> words_shift_];
    if (s.id != UINT32_MAX) __builtin_prefetch(arena_.data() + s.offset);
  }
  scratch_.clear();
  for (size_t i = 0; i < n; ++i)
    scratch_.push_back(word_id(text.substr(spans[i].begin, spans[i].end - spans[i].begin), hashes_[i]));
  add_ids();
}

void DistinctCounter::add(const std::vector<std::string>& tokens) {
  joined_text_.clear();
  joined_.clear();
  for (const auto& t : tokens) {
    joined_.push_back({static_cast<uint32_t>(joined_text_.size()), static_cast<uint32_t>(joined_text_.size() + t.size())});
    joined_text_ += t;
  }
  add_words(joined_text_, joined_);
}

void DistinctCounter::add(std::string_view text, const std::vector<TokenSpan>& spans) { add_words(text, spans); }

int64_t DistinctCounter::total(int n) const {
  check_order(n);
  return total_[n - 1];
}

int64_t DistinctCounter::unique(int n) const {
  check_order(n);
  return n == 1 ? static_cast<int64_t>(word_count_) : static_cast<int64_t>(bigram_count_);
}

double DistinctCounter::distinct(int n) const {
  const int64_t t = total(n);
  return t == 0 ? 0.0 : static_cast<double>(unique(n)) / static_cast<double>(t);
}

}  // namespace qb
