#include "harness/pipeline_config.h"

#include "common/error.h"
#include "harness/json_config.h"

namespace qb {
using nlohmann::json;

json default_pipeline_config() {
  // Sizes and steps were chosen by timing the whole demo on the 2-core machine
  // (docs/PIPELINE.md has the measured stage times).
  return json::parse(R"JSON({
  "run_name": "demo",
  "run_dir": "qilin-runs/demo",
  "data": {
    "demo_seed": 20261124,
    "demo_scale": "default",
    "dcpt": null, "sft": null, "dpo": null,
    "cmexam_test": null, "cmexam_train": null, "huatuo_test": null, "rag_corpus": null
  },
  "model": {
    "base_checkpoint": null,
    "init_seed": 1,
    "tokenizer_min_frequency": 1,
    "architecture": {
      "architectures": ["LlamaForCausalLM"], "model_type": "llama",
      "hidden_size": 192, "intermediate_size": 512, "num_hidden_layers": 4,
      "num_attention_heads": 6, "num_key_value_heads": 6, "max_position_embeddings": 512,
      "rms_norm_eps": 1e-6, "rope_theta": 10000.0, "tie_word_embeddings": false,
      "bos_token_id": 1, "eos_token_id": 2, "pad_token_id": 0, "torch_dtype": "float32"
    }
  },
  "stages": {
    "dcpt": {"epochs": 6, "batch_size": 16, "block_size": 128, "lr": 0.002, "warmup_ratio": 0.05,
             "heldout_fraction": 0.02, "save_every": 50, "seed": 1},
    "sft":  {"epochs": 2, "batch_size": 16, "max_len": 256, "lr": 0.001, "warmup_ratio": 0.05,
             "save_every": 50, "seed": 2},
    "dpo":  {"epochs": 1, "batch_size": 8, "max_len": 256, "max_prompt_len": 160, "lr": 0.00005,
             "warmup_ratio": 0.1, "save_every": 50, "seed": 3}
  },
  "eval": {
    "checkpoints": ["base", "dcpt", "sft", "dpo"],
    "cmexam_modes": ["loglik", "generate"],
    "huatuo": true,
    "limit": 0,
    "k_shot": 0,
    "continuation": "text",
    "cmexam_max_new_tokens": 8,
    "huatuo_max_new_tokens": 64,
    "huatuo_template": "",
    "batch_size": 16,
    "seed": 1234
  },
  "rag": {
    "checkpoints": ["sft", "dpo"],
    "k": 2,
    "template": "",
    "segmenter": "jieba",
    "k1": 1.5,
    "b": 0.75
  },
  "metrics": {"segmenter": "jieba", "hmm": true, "bootstrap": 1000, "seed": 12345},
  "compare": {"resamples": 1000, "seed": 12345, "alpha": 0.05}
})JSON");
}

const std::vector<std::string>& pipeline_free_form_paths() {
  static const std::vector<std::string> paths = {"model.architecture", "stages.dcpt", "stages.sft",
                                                 "stages.dpo"};
  return paths;
}

json load_pipeline_config(const std::string& file, const std::vector<std::string>& overrides) {
  json config = default_pipeline_config();
  if (!file.empty()) config = merge_config(config, read_json_file(file), file, pipeline_free_form_paths());
  for (const auto& o : overrides) apply_override(config, o, pipeline_free_form_paths());
  return config;
}

}  // namespace qb
