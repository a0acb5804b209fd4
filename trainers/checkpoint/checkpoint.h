// Loading and saving a LlamaModel in the Hugging Face layout (config.json +
// model.safetensors or shards + index). For use inside trainers/ only (includes torch).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "trainers/model/llama_model.h"

namespace qb {

// Builds the model from DIR/config.json and fills every parameter from the
// safetensors (memory-mapped; fp32/fp16/bf16 stored, float32 in memory). A missing
// tensor, an unexpected one, or a shape that disagrees with the config is a
// qb::InputError naming the shard file and the tensor. The model is in eval mode.
LlamaModel load_model(const std::filesystem::path& dir);

// Writes config.json and the weights atomically, each tensor stored as `dtype`
// ("float32", "float16", "bfloat16"). max_shard_bytes > 0 splits the weights into
// model-0000k-of-0000n.safetensors + model.safetensors.index.json; 0 writes one file.
// A file of the other layout left over in DIR is removed after the new one is in place.
void save_model(const std::filesystem::path& dir, LlamaModel& model, const std::string& dtype = "float32",
                int64_t max_shard_bytes = 0);

}  // namespace qb
