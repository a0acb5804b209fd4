// Checkpoint operations for the CLI and the rest of the project, with no torch in
// this header: create a seeded random checkpoint, describe one, print logits.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "trainers/model/model_config.h"

namespace qb {

// Writes DIR/config.json + weights from `config`, initialised with `seed`
// (same seed, same bytes), stored as `dtype` (fp32|fp16|bf16 or HF names).
void init_random_checkpoint(const ModelConfig& config, const std::filesystem::path& dir, uint64_t seed,
                            const std::string& dtype, int64_t max_shard_bytes = 0);

// JSON text: architecture, model_type, parameters, dtype(s), shards (file,
// tensors, bytes), tied embeddings, key/value heads, and the config itself.
// Reads headers only (no weights), so it is fast on a 7B checkpoint.
std::string describe_checkpoint_json(const std::filesystem::path& dir);

// Logits of the last position after running `ids` through the model in DIR.
// Ids outside the vocabulary are an InputError.
std::vector<float> last_position_logits(const std::filesystem::path& dir, const std::vector<int64_t>& ids);
// The same for several sequences, loading the model once (each runs on its own).
std::vector<std::vector<float>> last_position_logits(const std::filesystem::path& dir,
                                                     const std::vector<std::vector<int64_t>>& sequences);
// The same computed in `dtype` ("auto", fp32 or bf16; checkpoint/compute_dtype.h), the weights
// used from the memory map as inference does, with a PEFT LoRA adapter merged when given.
std::vector<std::vector<float>> last_position_logits(const std::filesystem::path& dir,
                                                     const std::vector<std::vector<int64_t>>& sequences,
                                                     const std::string& dtype,
                                                     const std::filesystem::path& adapter = {});

}  // namespace qb
