// The `icu` segmenter: ICU's word BreakIterator (root rules; Han, kana, Thai etc. are
// split with ICU's built-in dictionaries). Every segment between two boundaries is a token,
// except segments made only of White_Space code points, which are dropped (metrics strip
// whitespace anyway, and a space run is no word). Punctuation segments are kept, one per
// boundary pair, as ICU returns them.
#pragma once

#include <memory>

#include "metrics/segmenter.h"

namespace qb {

class IcuSegmenter final : public Segmenter {
 public:
  std::vector<std::string> segment(std::string_view text) const override;
  std::string signature() const override;
};

std::unique_ptr<Segmenter> make_icu_segmenter();

}  // namespace qb
