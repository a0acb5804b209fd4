// The shape of a LLaMA-family decoder, read from and written to a Hugging Face
// config.json (LlamaForCausalLM, or BaichuanForCausalLM with model_type "baichuan").
// No torch in this header: the CLI and reports read configs too.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace qb {

enum class Architecture {
  kLlama,     // separate q_proj / k_proj / v_proj
  kBaichuan,  // q, k, v packed row-wise into one W_pack [3*hidden, hidden] (Baichuan-7B)
};

struct ModelConfig {
  Architecture architecture = Architecture::kLlama;
  int64_t vocab_size = 0;
  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;
  int64_t num_hidden_layers = 0;
  int64_t num_attention_heads = 0;
  int64_t num_key_value_heads = 0;  // grouped-query attention; equals num_attention_heads when absent
  int64_t max_position_embeddings = 2048;
  double rms_norm_eps = 1e-6;
  double rope_theta = 10000.0;
  double rope_linear_factor = 1.0;  // rope_scaling {"type": "linear", "factor": f}: positions / f
  double initializer_range = 0.02;  // std of the normal init used by `model init`
  bool tie_word_embeddings = false;  // lm_head shares embed_tokens.weight
  int64_t bos_token_id = 1;
  int64_t eos_token_id = 2;
  int64_t pad_token_id = 0;
  std::string torch_dtype = "float32";  // storage dtype named in config.json

  int64_t head_dim() const { return hidden_size / num_attention_heads; }
  // Number of weights (tied embeddings counted once).
  int64_t num_parameters() const;
  // "llama" or "baichuan".
  std::string model_type() const;
};

// Parses config.json text. `file` names the source in errors; every missing or
// inconsistent field is a qb::InputError ("config.json: key 'hidden_size': missing").
ModelConfig parse_model_config(const std::string& json_text, const std::string& file);
ModelConfig load_model_config(const std::filesystem::path& path);

// HF-compatible config.json text (architectures, model_type and the fields above).
std::string model_config_to_json(const ModelConfig& config);

// "float32" | "float16" | "bfloat16" from the CLI spellings fp32/fp16/bf16 or the
// HF spellings; throws InputError (file = `what`) for anything else.
std::string canonical_dtype_name(const std::string& name, const std::string& what);

}  // namespace qb
