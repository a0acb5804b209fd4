// Learning rate over optimizer steps: linear warmup, then cosine decay to a floor.
#pragma once

#include <cstdint>

namespace qb::train {

struct LrSchedule {
  double peak_lr = 1e-3;
  int64_t warmup_steps = 0;
  int64_t total_steps = 1;
  double min_lr_ratio = 0.0;  // floor of the cosine, as a fraction of peak_lr

  // lr used for optimizer step `step` (0-based). Matches Hugging Face
  // get_cosine_schedule_with_warmup when min_lr_ratio = 0: step/warmup during warmup
  // (so step 0 uses lr 0), then peak * 0.5 * (1 + cos(pi * progress)).
  double at(int64_t step) const;
};

}  // namespace qb::train
