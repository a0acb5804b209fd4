// The `char` segmenter: one token per code point, except runs of Latin letters and
// decimal digits, which stay whole (SPEC §4). Definition, precisely:
//  - White_Space code points (Unicode property, via ICU) separate tokens and are dropped.
//  - A "word run" is a maximal run of code points that are each either a letter of the
//    Latin script (ASCII a-z/A-Z, accented Latin, full-width Ａ-Ｚ/ａ-ｚ: ICU script Latin
//    and alphabetic) or a decimal digit (general category Nd: 0-9, full-width ０-９, other
//    scripts' digits). Combining marks (general category M) directly after a run stay in it,
//    so a decomposed "café" is one token. A run is one token.
//  - Every other code point (Han, kana, punctuation, symbols, emoji, ...) is its own token;
//    an emoji ZWJ sequence is therefore several tokens, one per code point.
#pragma once

#include "metrics/segmenter.h"

namespace qb {

class CharSegmenter final : public Segmenter {
 public:
  std::vector<std::string> segment(std::string_view text) const override;
  void segment_spans(std::string_view text, std::vector<TokenSpan>& out) const override;
  std::string signature() const override { return "char"; }
};

}  // namespace qb
