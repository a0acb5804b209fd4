// jieba's prefix dictionary (Python jieba's FREQ dict and total) as a code-point trie.
// Every prefix of every word is a node, as gen_pfdict/add_word make every prefix a key
// (frequency 0 when it is only a prefix); "frag in FREQ" is "the walk reaches a node".
#pragma once

#include <unicode/umachine.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/fnv1a.h"

namespace qb {

class JiebaDictionary {
 public:
  static constexpr int32_t kNoNode = -1;
  static constexpr int32_t kMaxNodes = (1 << 21) - 1;  // node ids are packed in 21 bits
  // weight() of a node that is only a prefix (frequency 0): no word ends there.
  static constexpr double kPrefixOnly = -1.0;

  // Empty and not yet usable: load(), load_text(), adopt() or add_word() comes first.
  JiebaDictionary();

  // Parses jieba's dict.txt format: per line "word freq [tag]", fields separated by one
  // space, the line stripped of ASCII whitespace first. Throws InputError naming the file
  // and line for a malformed entry, as Python jieba raises ValueError for it.
  void load(const std::string& path);
  // Same, from text already in memory (`name` is used in error messages).
  void load_text(std::string_view text, const std::string& name);

  // Python's add_word(word, freq): sets FREQ[word], adds freq to total, adds missing prefixes.
  void add_word(const UChar32* word, size_t length, int64_t freq);

  // One step of a walk: the node for the string of `node` extended by `c` (kNoNode if that
  // string is no key of FREQ) and its weight: log(freq) if freq > 0 (Python's math.log of
  // the int), else kPrefixOnly, and whether the node has children (a walk that reaches a
  // childless node can stop without probing for a next step). Node, flag and weight share one
  // table slot, so a step costs one memory access.
  struct Step {
    int32_t node;
    bool has_children;
    double weight;
  };
  int32_t root() const { return 0; }
  Step step(int32_t node, UChar32 c) const {
    if (node == 0 && c < 0x10000) return {root_p_[c].node, root_p_[c].children != 0, root_p_[c].weight};
    const uint64_t k = key(node, c);
    uint64_t h = (k * kFibonacci) >> shift_;
    while (true) {
      const Slot& s = table_p_[h];
      if ((s.packed & kKeyMask) == k)
        return {static_cast<int32_t>((s.packed >> 42) & kMaxNodes), (s.packed & kChildrenBit) != 0, s.weight};
      if (s.packed == 0) return {kNoNode, false, kPrefixOnly};
      h = (h + 1) & mask_;
    }
  }
  // Starts loading the table slot step(root's child for c1, c2) will read: walks from
  // different start positions are independent, so the segmenter issues this a few positions
  // ahead and the (mostly cache-missing) probe overlaps other work.
  void prefetch_second_step(UChar32 c1, UChar32 c2) const {
    if (c1 >= 0x10000) return;
    const int32_t node = root_p_[c1].node;
    if (node == kNoNode) return;
    __builtin_prefetch(&table_p_[(key(node, c2) * kFibonacci) >> shift_]);
  }
  // The same one step further: loads step(root's child for c1, c2) (prefetched earlier) and
  // starts loading the slot of the step by c3 from there.
  void prefetch_third_step(UChar32 c1, UChar32 c2, UChar32 c3) const {
    if (c1 >= 0x10000) return;
    const int32_t first = root_p_[c1].node;
    if (first == kNoNode) return;
    const int32_t second = step(first, c2).node;
    if (second == kNoNode) return;
    __builtin_prefetch(&table_p_[(key(second, c3) * kFibonacci) >> shift_]);
  }
  // The node for a whole string (kNoNode if absent) and its weight.
  Step find(const UChar32* s, size_t n) const;

  int64_t freq(int32_t node) const { return freq_p_[node]; }
  int64_t total() const { return total_; }
  double log_total() const { return log_total_; }
  size_t node_count() const { return node_count_; }

  // The loaded dictionary as flat arrays, for a binary cache (jieba_dictionary_cache.h) that
  // maps them back instead of parsing 349k text lines per process.
  struct Image {
    uint64_t node_count = 0, table_size = 0, used = 0;
    int64_t total = 0;
    double log_total = 0;
    const void* freq = nullptr;   // node_count int64
    const void* root = nullptr;   // kRootSize RootChild entries (16 bytes each)
    const void* table = nullptr;  // table_size Slot entries (16 bytes each)
  };
  static constexpr size_t kRootSize = 0x10000, kEntryBytes = 16;
  Image image() const;
  // Uses `image`'s arrays in place (no copy); `keep_alive` owns their memory. Throws
  // std::invalid_argument when the sizes are inconsistent. A later add_word copies them first.
  void adopt(const Image& image, std::shared_ptr<const void> keep_alive);

 private:
  static constexpr uint64_t kKeyMask = (uint64_t{1} << 42) - 1;
  static constexpr uint64_t kChildrenBit = uint64_t{1} << 63;
  // packed = has-children bit 63 | child << 42 | parent << 21 | code point; 0 marks an empty
  // slot (the root's BMP children live in root_bmp_, so no entry packs to 0).
  struct Slot {
    uint64_t packed = 0;
    double weight = kPrefixOnly;
  };
  struct RootChild {
    int32_t node = kNoNode;
    uint32_t children = 0;  // 1 when the node has children
    double weight = kPrefixOnly;
  };
  static uint64_t key(int32_t node, UChar32 c) {
    return (static_cast<uint64_t>(node) << 21) | static_cast<uint32_t>(c);
  }
  // Walks `word`, creating missing nodes; returns the weight cell of its last node.
  double* insert_path(const UChar32* word, size_t length, int32_t& node);
  void grow();
  void own();         // copies an adopted image into the vectors before a change
  void sync_views();  // points the read views at the vectors

  std::vector<int64_t> freq_;         // by node id: Python's FREQ values
  std::vector<RootChild> root_bmp_;   // the root's children for BMP code points, direct
  std::vector<Slot> table_;           // every other edge; open addressing, linear probing
  uint64_t mask_ = 0;
  int shift_ = 64;
  size_t used_ = 0;
  int64_t total_ = 0;
  double log_total_ = 0;
  // What step()/freq() read: the vectors above, or an adopted image.
  const int64_t* freq_p_ = nullptr;
  const RootChild* root_p_ = nullptr;
  const Slot* table_p_ = nullptr;
  size_t node_count_ = 0;
  std::shared_ptr<const void> image_;  // non-null while an adopted image is in use
};

}  // namespace qb
