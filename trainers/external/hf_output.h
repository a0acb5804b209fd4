// What an external trainer left in its output directory, checked before the pipeline marks the
// stage done: a full Hugging Face checkpoint, or a PEFT adapter to be evaluated on its base. The
// error says exactly what is missing. And its training curve: the HF Trainer's
// trainer_state.json log_history as the built-in trainer's metrics.jsonl lines. No torch here.
#pragma once

#include <filesystem>
#include <string>

namespace qb {

enum class HfOutputKind { kFullModel, kPeftAdapter };

struct HfOutput {
  HfOutputKind kind = HfOutputKind::kFullModel;
  std::filesystem::path dir;
  std::string adapter_base;  // adapter: base_model_name_or_path from adapter_config.json (may be empty)
};

// A full checkpoint: config.json, weights (model.safetensors, or an index whose every shard is
// present) with readable safetensors headers, and a tokenizer (tokenizer.json or tokenizer.model).
// A PEFT adapter: adapter_config.json (peft_type LORA) and adapter_model.safetensors. Anything
// else: InputError naming `what` (e.g. "stage sft") and listing what is missing.
HfOutput check_hf_output(const std::filesystem::path& dir, const std::string& what);

// Reads DIR/trainer_state.json, or the newest checkpoint-N/trainer_state.json under DIR, and
// writes its log_history to `metrics_jsonl` as the built-in trainer's lines: {"stage", "step",
// then every number of the entry}, with learning_rate named lr (so reports draw both alike);
// evaluation entries (eval_*) go in as {"stage", "step", "eval": {...}}. Returns the number of
// training entries written; 0 (and an empty file) when no trainer_state.json exists.
long trainer_state_to_metrics(const std::filesystem::path& dir, const std::string& stage,
                              const std::filesystem::path& metrics_jsonl);

}  // namespace qb
