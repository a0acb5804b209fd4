// Configuration JSON a user writes or a checkpoint brings: the pipeline config of `run --config`
// (merged over the defaults, every key typed), a training config of `train --config`, and a
// checkpoint's config.json. The first input byte picks which. Every mistake must be an
// InputError naming the file and key.
#include "fuzz/fuzz_input.h"
#include "harness/pipeline_config.h"
#include "trainers/model/model_config.h"
#include "trainers/train/train_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0: {
      const auto path = qb::fuzz::write_scratch(text, "pipeline.json");
      qb::fuzz::expect_clean([&] { qb::load_pipeline_config(path.string(), {}); });
      break;
    }
    case 1:
      qb::fuzz::expect_clean([&] { qb::train_config_from_json(text, "train.json", {}); });
      break;
    case 2:
      qb::fuzz::expect_clean([&] { qb::parse_model_config(text, "config.json"); });
      break;
  }
  return 0;
}
