// jieba's prefix dictionary (Python jieba's FREQ dict and total) as a code-point trie.
// Every prefix of every word is a node, as gen_pfdict/add_word make every prefix a key
// (frequency 0 when it is only a prefix); "frag in FREQ" is "the walk reaches a node".
#pragma once

#include <unicode/umachine.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace qb {

class JiebaDictionary {
 public:
  static constexpr int32_t kNoNode = -1;

  JiebaDictionary();

  // Parses jieba's dict.txt format: per line "word freq [tag]", fields separated by one
  // space, the line stripped of ASCII whitespace first. Throws InputError naming the file
  // and line for a malformed entry, as Python jieba raises ValueError for it.
  void load(const std::string& path);
  // Same, from text already in memory (`name` is used in error messages).
  void load_text(std::string_view text, const std::string& name);

  // Python's add_word(word, freq): sets FREQ[word], adds freq to total, adds missing prefixes.
  void add_word(const UChar32* word, size_t length, int64_t freq);

  int32_t root() const { return 0; }
  // The node for the string of `node` extended by `c`, or kNoNode.
  int32_t child(int32_t node, UChar32 c) const {
    if (node == 0 && c < 0x10000) return root_bmp_[c];
    return hash_find(key(node, c));
  }
  // The node for a whole string, or kNoNode.
  int32_t find(const UChar32* s, size_t n) const;

  int64_t freq(int32_t node) const { return freq_[node]; }
  // log(freq) for nodes with freq > 0 (Python's math.log of the int).
  double log_freq(int32_t node) const { return log_freq_[node]; }
  int64_t total() const { return total_; }
  double log_total() const { return log_total_; }
  size_t node_count() const { return freq_.size(); }
  size_t word_count() const { return words_; }

 private:
  static uint64_t key(int32_t node, UChar32 c) {
    return (static_cast<uint64_t>(node) << 21) | static_cast<uint32_t>(c);
  }
  int32_t hash_find(uint64_t k) const;
  int32_t child_or_add(int32_t node, UChar32 c);
  void hash_insert(uint64_t k, int32_t value);
  void hash_grow();

  std::vector<int64_t> freq_;
  std::vector<double> log_freq_;
  std::vector<int32_t> root_bmp_;  // the root's children for BMP code points, direct
  // Open addressing, linear probing: key (node << 21 | code point) -> child; key 0 is
  // "empty" (node 0 with a BMP code point never goes to the table).
  std::vector<uint64_t> keys_;
  std::vector<int32_t> values_;
  uint64_t mask_ = 0;
  int shift_ = 64;
  size_t used_ = 0;
  size_t words_ = 0;
  int64_t total_ = 0;
  double log_total_ = 0;
};

}  // namespace qb
