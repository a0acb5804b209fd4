#include "trainers/checkpoint/checkpoint.h"

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/error.h"
#include "trainers/checkpoint/checkpoint_layout.h"
#include "trainers/checkpoint/safetensors.h"

namespace qb {

namespace fs = std::filesystem;

namespace {

std::string shape_text(torch::IntArrayRef s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

// Tensors a HF checkpoint may carry that the model recomputes or shares.
bool ignorable(const std::string& name, const ModelConfig& c) {
  if (name.find("rotary_emb.inv_freq") != std::string::npos) return true;
  return c.tie_word_embeddings && name == "lm_head.weight";
}

}  // namespace

LlamaModel load_model(const fs::path& dir) {
  const CheckpointLayout layout = find_checkpoint_layout(dir);
  const ModelConfig config = load_model_config(layout.config);
  LlamaModel model(config);
  std::map<std::string, std::unique_ptr<MappedSafetensors>> shards;  // by file name
  for (const auto& p : layout.shards) shards[p.filename().string()] = std::make_unique<MappedSafetensors>(p);

  auto params = model->named_parameters();
  torch::NoGradGuard no_grad;
  for (auto& p : params) {
    const std::string& name = p.key();
    const MappedSafetensors* shard = nullptr;
    if (layout.index.empty()) {
      shard = shards.begin()->second.get();
    } else {
      auto it = layout.weight_map.find(name);
      if (it == layout.weight_map.end())
        throw InputError(layout.index.string(), "tensor '" + name + "'", "missing from weight_map");
      shard = shards.at(it->second).get();
    }
    if (!shard->contains(name)) throw InputError(shard->path().string(), "tensor '" + name + "'", "missing");
    const auto& entry = shard->header().tensors.at(name);
    if (torch::IntArrayRef(entry.shape) != p.value().sizes())
      throw InputError(shard->path().string(), "tensor '" + name + "'",
                       "shape " + shape_text(entry.shape) + " but config.json needs " + shape_text(p.value().sizes()));
    p.value().copy_(shard->load(name, torch::kFloat32));
  }
  for (const auto& [file, shard] : shards)
    for (const auto& [name, entry] : shard->header().tensors)
      if (!params.contains(name) && !ignorable(name, config))
        throw InputError(shard->path().string(), "tensor '" + name + "'",
                         "is not a parameter of a " + config.model_type() + " model with this config.json");
  model->eval();
  return model;
}

void save_model(const fs::path& dir, LlamaModel& model, const std::string& dtype, int64_t max_shard_bytes) {
  const torch::Dtype dt = torch_dtype_named(dtype);
  ModelConfig config = model->config();
  config.torch_dtype = dtype;
  fs::create_directories(dir);

  std::vector<std::pair<std::string, torch::Tensor>> all;
  for (auto& p : model->named_parameters()) all.emplace_back(p.key(), p.value());
  const int64_t elem = static_cast<int64_t>(torch::empty({}, dt).element_size());

  std::vector<std::vector<std::pair<std::string, torch::Tensor>>> groups(1);
  int64_t group_bytes = 0, total = 0;
  for (auto& t : all) {
    const int64_t bytes = t.second.numel() * elem;
    if (max_shard_bytes > 0 && group_bytes > 0 && group_bytes + bytes > max_shard_bytes) {
      groups.emplace_back();
      group_bytes = 0;
    }
    groups.back().push_back(t);
    group_bytes += bytes;
    total += bytes;
  }
  const std::map<std::string, std::string> meta{{"format", "pt"}};
  const fs::path single = dir / "model.safetensors", index = dir / "model.safetensors.index.json";
  if (max_shard_bytes <= 0) {
    write_safetensors(single, all, dt, meta);
    write_file_atomic(dir / "config.json", model_config_to_json(config));
    fs::remove(index);
    return;
  }
  nlohmann::ordered_json weight_map = nlohmann::ordered_json::object();
  const size_t n = groups.size();
  for (size_t i = 0; i < n; ++i) {
    char name[64];
    std::snprintf(name, sizeof name, "model-%05zu-of-%05zu.safetensors", i + 1, n);
    write_safetensors(dir / name, groups[i], dt, meta);
    for (const auto& t : groups[i]) weight_map[t.first] = name;
  }
  nlohmann::ordered_json j;
  j["metadata"] = {{"total_size", total}};
  j["weight_map"] = weight_map;
  write_file_atomic(index, j.dump(2) + "\n");
  write_file_atomic(dir / "config.json", model_config_to_json(config));
  fs::remove(single);
}

}  // namespace qb
