// The `icu` segmenter: ICU word break (dictionary-based for Han).
#pragma once

#include <memory>

#include "metrics/segmenter.h"

namespace qb {

std::unique_ptr<Segmenter> make_icu_segmenter();

}  // namespace qb
