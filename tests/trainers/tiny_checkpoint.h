// Tiny random checkpoints (hidden 64, 2 layers) with a char tokenizer, for the trainers tests.
#pragma once

#include <filesystem>
#include <string>

#include "trainers/tokenizer/char_tokenizer.h"
#include "trainers/checkpoint/checkpoint.h"

namespace qb::testing {

inline ModelConfig tiny_config(Architecture arch = Architecture::kLlama, int64_t kv_heads = 2, bool tied = false) {
  ModelConfig c;
  c.architecture = arch;
  c.vocab_size = 320;
  c.hidden_size = 64;
  c.intermediate_size = 128;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 4;
  c.num_key_value_heads = arch == Architecture::kBaichuan ? 4 : kv_heads;
  c.rms_norm_eps = 1e-5;
  c.initializer_range = 0.2;  // large enough that logits are far from uniform
  c.tie_word_embeddings = tied;
  return c;
}

// The characters of this text become the vocabulary (well under 60 distinct ones).
inline const char* tiny_corpus() {
  return "患者发热三天，咳嗽，咽痛。答案：A B C D E。高血压患者应低盐饮食。糖尿病需要控制血糖。";
}

// Writes config.json, model.safetensors and tokenizer.json into `dir`.
inline LlamaModel write_tiny_checkpoint(const std::filesystem::path& dir, const ModelConfig& c, uint64_t seed = 5) {
  LlamaModel model(c);
  model->init_weights(seed);
  save_model(dir, model);
  CharTokenizer::train({tiny_corpus()}).save(dir / "tokenizer.json");
  model->eval();
  return model;
}

}  // namespace qb::testing
