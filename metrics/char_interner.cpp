#include "metrics/char_interner.h"

#include <algorithm>

#include "common/fnv1a.h"

namespace qb {

void CharInterner::clear() {
  next_ = 0;
  if (++item_ == 0) {  // stamp wrapped: really clear
    for (auto& s : table_) s.stamp = 0;
    item_ = 1;
  }
}

void CharInterner::intern(std::vector<uint32_t>& chars) {
  if ((next_ + chars.size()) * 2 > table_.size()) {  // load <= 1/2 even if all are new
    std::vector<Slot> old(std::max<size_t>(256, size_t{1} << (64 - __builtin_clzll((next_ + chars.size()) * 2))));
    old.swap(table_);
    shift_ = 64 - __builtin_ctzll(table_.size());
    for (const Slot& s : old) {
      if (s.stamp != item_) continue;
      size_t h = static_cast<size_t>((s.c * kFibonacci) >> shift_);
      while (table_[h].stamp == item_) h = (h + 1) & (table_.size() - 1);
      table_[h] = s;
    }
  }
  const size_t mask = table_.size() - 1;
  for (uint32_t& c : chars) {
    size_t h = static_cast<size_t>((c * kFibonacci) >> shift_);
    while (true) {
      Slot& s = table_[h];
      if (s.stamp != item_) {
        s = {c, item_, next_};
        c = next_++;
        break;
      }
      if (s.c == c) {
        c = s.id;
        break;
      }
      h = (h + 1) & mask;
    }
  }
}

}  // namespace qb
