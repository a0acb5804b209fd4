// Tiny training worlds for the trainer tests, written for these tests: a few Chinese medical
// sentences, dialogues and preference pairs with learnable regularities, a tiny model config,
// and an init checkpoint built from them.
#pragma once

#include <filesystem>
#include <string>

namespace qb::testing::train {

// DCPT text: one document per line.
std::string dcpt_text();
// SFT JSONL in ShareGPT form; each answer is determined by the question's disease.
std::string sft_jsonl(int n);
// DPO JSONL {question, response_chosen, response_rejected}: chosen answers are the
// consistent ones, rejected ones say "不知道".
std::string dpo_jsonl(int n);
// A LLaMA config.json with hidden 32, 2 layers (vocab_size is set by the trainer).
std::string tiny_model_config();
// Writes a tokenizer trained on all fixture text plus a seeded tiny model to `dir`.
void write_init_checkpoint(const std::filesystem::path& dir, uint64_t seed);

}  // namespace qb::testing::train
