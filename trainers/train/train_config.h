// Settings of one training stage (DCPT, SFT or DPO), read from a JSON config with
// `--set key=value` overrides. No torch here: the harness builds and passes these.
// Every key is documented in docs/TRAINING.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace qb {

enum class TrainStage { kDcpt, kSft, kDpo };
std::string stage_name(TrainStage s);
TrainStage parse_stage(const std::string& name);  // throws InputError for anything else

struct TrainConfig {
  TrainStage stage = TrainStage::kDcpt;
  std::filesystem::path data;        // training data file (format by stage, see docs/TRAINING.md)
  std::filesystem::path eval_data;   // optional held-out file (sft/dpo); dcpt splits `data`
  std::filesystem::path init;        // checkpoint dir to start from (required for sft/dpo)
  std::filesystem::path out;         // output dir: checkpoints, metrics.jsonl, final model
  std::filesystem::path model_config;  // config.json for a fresh DCPT model (no init)
  std::filesystem::path config_file;   // where this config came from (for error messages)

  // Built-in tokenizer trained on the DCPT corpus when there is no init checkpoint.
  int64_t tokenizer_vocab_size = 0;  // 0 = every character seen

  uint64_t seed = 1234;
  int64_t max_steps = 0;             // optimizer steps; 0 = epochs * steps per epoch
  double epochs = 1;
  int64_t batch_size = 8;            // sequences (or pairs) per micro-batch
  int64_t grad_accum = 1;            // micro-batches per optimizer step
  bool shuffle = true;

  double lr = 3e-4;
  double min_lr_ratio = 0.1;
  int64_t warmup_steps = -1;         // -1 = warmup_ratio * total steps
  double warmup_ratio = 0.03;
  double weight_decay = 0.01;
  double adam_beta1 = 0.9, adam_beta2 = 0.999, adam_eps = 1e-8;
  double max_grad_norm = 1.0;        // <= 0 disables clipping (the norm is still logged)

  int64_t block_size = 128;          // dcpt
  double heldout_fraction = 0.05;    // dcpt: share of documents held out
  int64_t max_len = 256;             // sft/dpo: tokens per sequence (prompt + response)
  int64_t max_prompt_len = 128;      // dpo

  // Chat template (sft/dpo); the defaults are Baichuan-13B-Chat's markers.
  std::string template_system_prefix, template_system_suffix;
  std::string template_user_prefix = "<reserved_102>", template_user_suffix;
  std::string template_assistant_prefix = "<reserved_103>", template_assistant_suffix;

  double dpo_beta = 0.1;
  std::string dpo_loss = "sigmoid";  // "sigmoid" | "ipo"

  bool lora = false;                 // sft/dpo only
  int64_t lora_rank = 8;
  double lora_alpha = 16;
  double lora_dropout = 0.0;       // adapter-input dropout in [0, 1), training mode only (lora.h)
  std::vector<std::string> lora_targets = {"W_pack", "q_proj", "k_proj", "v_proj", "o_proj"};

  int64_t save_every = 0;            // steps between checkpoints; 0 = only the final model
  int64_t keep_checkpoints = 2;      // newest step checkpoints kept
  int64_t eval_every = 0;            // steps between held-out evaluations; 0 = start and end only
  int64_t log_every = 1;
  bool resume = true;                // continue from out/latest when present
};

// Reads a JSON config object (every key optional except as the stage needs) and applies
// overrides "key=value" (value parsed as JSON when it parses, else taken as a string; dotted
// keys such as lora.rank address nested objects). Unknown keys and wrong types are InputErrors
// naming the file and key. Relative paths are resolved against the config file's folder.
TrainConfig train_config_from_json(const std::string& json_text, const std::filesystem::path& file,
                                   const std::vector<std::string>& overrides);
TrainConfig load_train_config(const std::filesystem::path& file, const std::vector<std::string>& overrides);

// The config as canonical JSON (what a checkpoint records, and how resume detects a change).
std::string train_config_to_json(const TrainConfig& c);

}  // namespace qb
