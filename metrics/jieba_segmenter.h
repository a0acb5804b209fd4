// The `jieba` segmenter: token-for-token Python jieba 0.42.1 accurate mode.
#pragma once

#include <memory>

#include "metrics/segmenter.h"

namespace qb {

std::unique_ptr<Segmenter> make_jieba_segmenter(const SegmenterOptions& options);

}  // namespace qb
