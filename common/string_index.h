// Strings numbered in insertion order, with a flat open-addressing index (no allocation per
// string beyond the string itself, one hash per insert): for the ids of scored items, checked
// for repeats on the serial path between batches, where a node-based std::unordered_set cost
// an allocation and a pointer chase per item.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/fnv1a.h"

namespace qb {

class StringIndex {
 public:
  // The number of `s`: its first insertion's, or size() when it is new (then it is added).
  // .second says whether it was new.
  std::pair<size_t, bool> insert(std::string s) {
    if ((strings_.size() + 1) * 2 > slots_.size()) grow();
    const uint64_t h = fnv1a_table_hash(s);
    size_t at = static_cast<size_t>(h >> shift_);
    const size_t mask = slots_.size() - 1;
    while (slots_[at].number != 0) {
      const Slot& slot = slots_[at];
      if (slot.hash == h && strings_[slot.number - 1] == s) return {slot.number - 1, false};
      at = (at + 1) & mask;
    }
    slots_[at] = {h, static_cast<uint32_t>(strings_.size() + 1)};
    strings_.push_back(std::move(s));
    return {strings_.size() - 1, true};
  }
  const std::vector<std::string>& strings() const { return strings_; }
  size_t size() const { return strings_.size(); }

 private:
  struct Slot {
    uint64_t hash = 0;
    uint32_t number = 0;  // index + 1; 0 marks an empty slot
  };
  void grow() {
    std::vector<Slot> old(std::max<size_t>(64, slots_.size() * 2));
    old.swap(slots_);
    shift_ = 64 - __builtin_ctzll(slots_.size());
    const size_t mask = slots_.size() - 1;
    for (const Slot& s : old) {
      if (s.number == 0) continue;
      size_t at = static_cast<size_t>(s.hash >> shift_);
      while (slots_[at].number != 0) at = (at + 1) & mask;
      slots_[at] = s;
    }
  }
  std::vector<std::string> strings_;
  std::vector<Slot> slots_;
  int shift_ = 64;
};

}  // namespace qb
