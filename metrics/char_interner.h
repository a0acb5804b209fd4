// Dense per-item ids for characters (code points), as TokenInterner gives them to words.
#pragma once

#include <cstdint>
#include <vector>

namespace qb {

// Replaces code points by dense per-item ids 0, 1, 2, ... in order of first appearance over
// the calls since clear() (so two texts of one item share ids), which lets order-1 overlap
// and LCS index arrays by id instead of hashing every character again. Nothing is allocated
// per item once warm.
class CharInterner {
 public:
  void clear();
  void intern(std::vector<uint32_t>& chars);  // in place
  uint32_t size() const { return next_; }

 private:
  struct Slot {
    uint32_t c, stamp, id;
  };
  std::vector<Slot> table_;
  uint32_t item_ = 1, next_ = 0;
  int shift_ = 64;
};

}  // namespace qb
