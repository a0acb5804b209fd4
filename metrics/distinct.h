// Distinct-n (Li et al. 2016): distinct n-grams / total n-grams over all predictions of a
// corpus, n = 1 or 2. Unlike the per-item metrics this needs the corpus-wide set of n-grams,
// so its memory grows with the number of different words and word pairs produced (it
// saturates with the vocabulary, not with the number of items), and it has no bootstrap interval.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/segmenter.h"

namespace qb {

class DistinctCounter {
 public:
  void add(const std::vector<std::string>& tokens);
  // The tokens `spans` of `text`.
  void add(std::string_view text, const std::vector<TokenSpan>& spans);
  // distinct / total for order n (1 or 2); 0 when there is no n-gram at all.
  double distinct(int n) const;
  int64_t total(int n) const;
  int64_t unique(int n) const;

 private:
  // An item's words are looked up in three passes (hash + prefetch the slot, prefetch the
  // stored word, then probe in order): the tables outgrow the caches (a few MB for the 6,000
  // Huatuo answers), and prefetching a whole item's slots overlaps the cache misses that
  // dominated Distinct (12 % of `score`'s CPU before). Word ids stay in first-seen order.
  void add_words(std::string_view text, const std::vector<TokenSpan>& spans);
  void reserve_words(size_t more);
  void reserve_bigrams(size_t more);
  uint32_t word_id(std::string_view word, uint64_t hash);
  void add_bigram(uint64_t key);
  void add_ids();
  // Open addressing, load <= 1/2. Words are copied once into arena_.
  struct WordSlot {
    uint64_t hash = 0;
    uint32_t offset = 0, size = 0, id = UINT32_MAX;  // id UINT32_MAX = empty
  };
  std::vector<WordSlot> words_;
  int words_shift_ = 64;
  std::string arena_;
  uint32_t word_count_ = 0;
  std::vector<uint64_t> bigrams_;  // (id + 1) << 32 | (next id + 1); 0 = empty
  int bigrams_shift_ = 64;
  size_t bigram_count_ = 0;
  int64_t total_[2] = {0, 0};
  std::vector<uint32_t> scratch_;
  std::vector<uint64_t> hashes_;
  std::vector<TokenSpan> joined_;  // add(tokens): the tokens' spans in one joined string
  std::string joined_text_;
};

}  // namespace qb
