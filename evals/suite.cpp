#include "evals/suite.h"

#include "metrics/huatuo_options.h"

namespace qb {

nlohmann::json SuiteOptions::to_json() const {
  return {{"mode", mode},
          {"data", data.string()},
          {"train_data", train_data.string()},
          {"limit", limit},
          {"lenient", lenient},
          {"k_shot", k_shot},
          {"seed", seed},
          {"continuation", continuation},
          {"max_new_tokens", max_new_tokens},
          {"prompt_template", prompt_template},
          {"metric_options", huatuo_options_to_json(scoring)}};
}

}  // namespace qb
