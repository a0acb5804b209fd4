#include "metrics/segmenter.h"

#include <stdexcept>

#include "common/error.h"
#include "metrics/icu_segmenter.h"
#include "metrics/jieba_segmenter.h"
#include "metrics/segmenter_char.h"

namespace qb {

void Segmenter::segment_spans(std::string_view text, std::vector<TokenSpan>& out) const {
  size_t pos = 0;
  for (const std::string& t : segment(text)) {
    const size_t at = text.find(t, pos);
    if (at == std::string_view::npos)
      throw std::logic_error("segmenter " + signature() + " returned a token that is not in its text, in order");
    out.push_back({static_cast<uint32_t>(at), static_cast<uint32_t>(at + t.size())});
    pos = at + t.size();
  }
}

std::unique_ptr<Segmenter> make_segmenter(const SegmenterOptions& options) {
  if (options.kind == "char") return std::make_unique<CharSegmenter>();
  if (options.kind == "jieba") return make_jieba_segmenter(options);
  if (options.kind == "icu") return make_icu_segmenter();
  throw InputError("--segmenter", "value '" + options.kind + "'",
                   "unknown segmenter (expected char, jieba or icu)");
}

}  // namespace qb
