#include "metrics/distinct.h"

#include <cstring>
#include <stdexcept>

namespace qb {

namespace {

constexpr uint64_t kFibonacci = 0x9E3779B97F4A7C15ull;

void check_order(int n) {
  if (n != 1 && n != 2) throw std::invalid_argument("DistinctCounter: order must be 1 or 2");
}

uint64_t hash_bytes(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a, finished by a multiply for the top bits
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
  return h * kFibonacci;
}

int log2_size(size_t n) { return __builtin_ctzll(n); }

}  // namespace

uint32_t DistinctCounter::word_id(std::string_view w) {
  if ((word_count_ + 1) * 2 > words_.size()) {
    std::vector<WordSlot> old(std::max<size_t>(1024, words_.size() * 2));
    old.swap(words_);
    const int shift = 64 - log2_size(words_.size());
    for (const WordSlot& s : old) {
      if (s.id == UINT32_MAX) continue;
      size_t h = s.hash >> shift;
      while (words_[h].id != UINT32_MAX) h = (h + 1) & (words_.size() - 1);
      words_[h] = s;
    }
  }
  const uint64_t hash = hash_bytes(w);
  const size_t mask = words_.size() - 1;
  size_t h = hash >> (64 - log2_size(words_.size()));
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

void DistinctCounter::add_bigram(uint64_t key) {
  if ((bigram_count_ + 1) * 2 > bigrams_.size()) {
    std::vector<uint64_t> old(std::max<size_t>(1024, bigrams_.size() * 2));
    old.swap(bigrams_);
    const int shift = 64 - log2_size(bigrams_.size());
    for (uint64_t k : old) {
      if (k == 0) continue;
      size_t h = (k * kFibonacci) >> shift;
      while (bigrams_[h] != 0) h = (h + 1) & (bigrams_.size() - 1);
      bigrams_[h] = k;
    }
  }
  const size_t mask = bigrams_.size() - 1;
  size_t h = (key * kFibonacci) >> (64 - log2_size(bigrams_.size()));
  while (bigrams_[h] != 0) {
    if (bigrams_[h] == key) return;
    h = (h + 1) & mask;
  }
  bigrams_[h] = key;
  ++bigram_count_;
}

void DistinctCounter::add_ids() {
  total_[0] += static_cast<int64_t>(scratch_.size());
  for (size_t i = 1; i < scratch_.size(); ++i)
    add_bigram((static_cast<uint64_t>(scratch_[i - 1]) + 1) << 32 | (static_cast<uint64_t>(scratch_[i]) + 1));
  if (scratch_.size() > 1) total_[1] += static_cast<int64_t>(scratch_.size() - 1);
}

void DistinctCounter::add(const std::vector<std::string>& tokens) {
  scratch_.clear();
  for (const auto& t : tokens) scratch_.push_back(word_id(t));
  add_ids();
}

void DistinctCounter::add(std::string_view text, const std::vector<TokenSpan>& spans) {
  scratch_.clear();
  for (const TokenSpan& t : spans) scratch_.push_back(word_id(text.substr(t.begin, t.end - t.begin)));
  add_ids();
}

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
