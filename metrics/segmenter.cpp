#include "metrics/segmenter.h"

#include "common/error.h"
#include "metrics/icu_segmenter.h"
#include "metrics/jieba_segmenter.h"
#include "metrics/segmenter_char.h"

namespace qb {

std::unique_ptr<Segmenter> make_segmenter(const SegmenterOptions& options) {
  if (options.kind == "char") return std::make_unique<CharSegmenter>();
  if (options.kind == "jieba") return make_jieba_segmenter(options);
  if (options.kind == "icu") return make_icu_segmenter();
  throw InputError("--segmenter", "value '" + options.kind + "'",
                   "unknown segmenter (expected char, jieba or icu)");
}

}  // namespace qb
