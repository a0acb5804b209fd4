// A PEFT LoRA adapter directory (adapter_config.json + adapter_model.safetensors), as Hugging
// Face PEFT saves it, to be merged into a base checkpoint at load: W += scale * B @ A.
// No torch here: the CLI resolves which directory is the base before loading.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace qb {

inline constexpr const char* kAdapterConfigFile = "adapter_config.json";
inline constexpr const char* kAdapterWeightsFile = "adapter_model.safetensors";

struct PeftLoraConfig {
  std::filesystem::path file;          // adapter_config.json, for messages
  int64_t r = 0;
  double lora_alpha = 0;
  bool use_rslora = false;             // scale alpha/sqrt(r) (Kalajdzievski 2023) instead of alpha/r
  bool fan_in_fan_out = false;         // meant for GPT-2's Conv1D; PEFT ignores it for nn.Linear, as we do
  std::vector<std::string> target_modules;  // names matched as PEFT does: whole name or a ".name" suffix
  std::optional<std::string> target_regex;  // target_modules given as one string: a full-match regex
  std::string base_model_name_or_path;

  double scale() const;
  // PEFT's check: does the module (e.g. "model.layers.0.self_attn.q_proj") carry an adapter?
  bool targets(const std::string& module) const;
};

// Reads DIR/adapter_config.json. InputError naming the file and key for: peft_type other than
// LORA, a missing or non-positive r / lora_alpha, no target_modules, and the options that change
// the math which are not implemented (use_dora, bias other than "none", modules_to_save,
// layers_to_transform, rank_pattern, alpha_pattern).
PeftLoraConfig read_peft_lora_config(const std::filesystem::path& adapter_dir);

bool is_adapter_dir(const std::filesystem::path& dir);

// Which checkpoint and adapter `--model M [--adapter A] [--base B]` mean. M may be a checkpoint
// (then A is the adapter, if any) or an adapter directory (then the base is B, else its
// adapter_config.json's base_model_name_or_path, a directory path). InputError when the base
// cannot be found (naming adapter_config.json and the key) or --base is given without an adapter.
struct ModelSource {
  std::filesystem::path checkpoint;
  std::filesystem::path adapter;  // empty: none
};
ModelSource resolve_model_source(const std::string& model, const std::string& adapter, const std::string& base);

}  // namespace qb
