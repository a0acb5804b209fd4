// Where a Hugging Face checkpoint directory keeps its weights: one model.safetensors,
// or shards listed by model.safetensors.index.json ("weight_map": tensor -> file).
// No torch in this header.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace qb {

struct CheckpointLayout {
  std::filesystem::path config;                       // DIR/config.json
  std::filesystem::path index;                        // empty when not sharded
  std::vector<std::filesystem::path> shards;          // in file-name order
  std::map<std::string, std::string> weight_map;      // sharded only: tensor -> shard file name
};

// Throws InputError naming the directory (or index file) when config.json or the
// weights are missing, or the index is malformed or names an absent shard.
CheckpointLayout find_checkpoint_layout(const std::filesystem::path& dir);

}  // namespace qb
