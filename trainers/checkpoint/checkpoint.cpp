#include "trainers/checkpoint/checkpoint.h"

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/error.h"
#include "trainers/checkpoint/checkpoint_layout.h"
#include "trainers/checkpoint/peft_merge.h"
#include "trainers/checkpoint/safetensors.h"

namespace qb {

namespace fs = std::filesystem;

namespace {

// Tensors a HF checkpoint may carry that the model recomputes or shares.
bool ignorable(const std::string& name, const ModelConfig& c) {
  if (name.find("rotary_emb.inv_freq") != std::string::npos) return true;
  return c.tie_word_embeddings && name == "lm_head.weight";
}

}  // namespace

LlamaModel load_model(const fs::path& dir) { return load_model(dir, LoadOptions{}); }

LlamaModel load_model(const fs::path& dir, const LoadOptions& options) {
  const CheckpointLayout layout = find_checkpoint_layout(dir);
  const ModelConfig config = load_model_config(layout.config);
  const torch::Dtype compute = torch_dtype_named(options.dtype);
  if (!options.inference && compute != torch::kFloat32)
    throw std::invalid_argument("load_model: training loads float32 master weights only");
  LlamaModel model(config);
  // Shared: a tensor used from the map keeps its shard mapped after this function returns.
  std::map<std::string, std::shared_ptr<MappedSafetensors>> shards;  // by file name
  for (const auto& p : layout.shards) shards[p.filename().string()] = std::make_shared<MappedSafetensors>(p);

  // Inference reads the weights it uses from the map on every pass: 2 MB pages for those shards.
  if (options.inference)
    for (auto& [file, shard] : shards)
      for (const auto& [name, entry] : shard->header().tensors)
        if (entry.dtype == safetensors_dtype_of(compute)) {
          shard->back_with_huge_pages();
          break;
        }

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
    if (!options.inference) {
      p.value().copy_(shard->load(name, torch::kFloat32));
      continue;
    }
    // set_data swaps the parameter's storage (and dtype) in place, so the module's member
    // tensor and its registered parameter stay one tensor; the fp32 buffer the constructor
    // allocated is freed here, tensor by tensor.
    p.value().requires_grad_(false);
    p.value().set_data(entry.dtype == safetensors_dtype_of(compute) ? shard->view(name) : shard->load(name, compute));
  }
  for (const auto& [file, shard] : shards)
    for (const auto& [name, entry] : shard->header().tensors)
      if (!params.contains(name) && !ignorable(name, config))
        throw InputError(shard->path().string(), "tensor '" + name + "'",
                         "is not a parameter of a " + config.model_type() + " model with this config.json");
  if (!options.adapter.empty()) merge_peft_adapter(model, options.adapter);
  model->eval();
  return model;
}

void save_model(const fs::path& dir, LlamaModel& model, const std::string& dtype, int64_t max_shard_bytes) {
  std::vector<std::pair<std::string, std::vector<int64_t>>> entries;
  std::map<std::string, torch::Tensor> params;
  for (auto& p : model->named_parameters()) {
    entries.emplace_back(p.key(), p.value().sizes().vec());
    params[p.key()] = p.value();
  }
  save_model_streamed(dir, model->config(), entries, dtype, max_shard_bytes,
                      [&](const std::string& name, const std::vector<int64_t>&) { return params.at(name); });
}

void save_model_streamed(const fs::path& dir, ModelConfig config,
                         const std::vector<std::pair<std::string, std::vector<int64_t>>>& entries,
                         const std::string& dtype, int64_t max_shard_bytes, const TensorProducer& produce) {
  const torch::Dtype dt = torch_dtype_named(dtype);
  config.torch_dtype = dtype;
  fs::create_directories(dir);
  const int64_t elem = static_cast<int64_t>(c10::elementSize(dt));

  // Greedy shards in parameter order: a new shard starts when the next tensor would overflow.
  std::vector<std::vector<SafetensorsStreamWriter::Entry>> groups(1);
  int64_t group_bytes = 0, total = 0;
  for (const auto& e : entries) {
    int64_t numel = 1;
    for (int64_t d : e.second) numel *= d;
    const int64_t bytes = numel * elem;
    if (max_shard_bytes > 0 && group_bytes > 0 && group_bytes + bytes > max_shard_bytes) {
      groups.emplace_back();
      group_bytes = 0;
    }
    groups.back().push_back(e);
    group_bytes += bytes;
    total += bytes;
  }
  const std::map<std::string, std::string> meta{{"format", "pt"}};
  auto write_group = [&](const fs::path& path, const std::vector<SafetensorsStreamWriter::Entry>& group) {
    SafetensorsStreamWriter w(path, group, dt, meta);
    for (const auto& [name, shape] : group) w.write_next(produce(name, shape));
    w.commit();
  };
  const fs::path single = dir / "model.safetensors", index = dir / "model.safetensors.index.json";
  if (max_shard_bytes <= 0) {
    write_group(single, groups[0]);
    write_file_atomic(dir / "config.json", model_config_to_json(config));
    fs::remove(index);
    return;
  }
  nlohmann::ordered_json weight_map = nlohmann::ordered_json::object();
  const size_t n = groups.size();
  for (size_t i = 0; i < n; ++i) {
    char name[64];
    std::snprintf(name, sizeof name, "model-%05zu-of-%05zu.safetensors", i + 1, n);
    write_group(dir / name, groups[i]);
    for (const auto& t : groups[i]) weight_map[t.first] = name;
  }
  nlohmann::ordered_json j;
  j["metadata"] = {{"total_size", total}};
  j["weight_map"] = weight_map;
  write_file_atomic(index, j.dump(2) + "\n");
  write_file_atomic(dir / "config.json", model_config_to_json(config));
  fs::remove(single);
}

std::vector<std::pair<std::string, std::vector<int64_t>>> parameter_shapes(const ModelConfig& c) {
  // The registration order of llama_model.cpp: a module's own parameters, then its children in
  // the order they were registered (ModelTools test checks this against named_parameters()).
  const int64_t h = c.hidden_size, kv = c.num_key_value_heads * c.head_dim(), f = c.intermediate_size;
  std::vector<std::pair<std::string, std::vector<int64_t>>> out;
  out.push_back({"model.embed_tokens.weight", {c.vocab_size, h}});
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    if (c.architecture == Architecture::kBaichuan) {
      out.push_back({p + "self_attn.W_pack.weight", {3 * h, h}});
    } else {
      out.push_back({p + "self_attn.q_proj.weight", {h, h}});
      out.push_back({p + "self_attn.k_proj.weight", {kv, h}});
      out.push_back({p + "self_attn.v_proj.weight", {kv, h}});
    }
    out.push_back({p + "self_attn.o_proj.weight", {h, h}});
    out.push_back({p + "mlp.gate_proj.weight", {f, h}});
    out.push_back({p + "mlp.up_proj.weight", {f, h}});
    out.push_back({p + "mlp.down_proj.weight", {h, f}});
    out.push_back({p + "input_layernorm.weight", {h}});
    out.push_back({p + "post_attention_layernorm.weight", {h}});
  }
  out.push_back({"model.norm.weight", {h}});
  if (!c.tie_word_embeddings) out.push_back({"lm_head.weight", {c.vocab_size, h}});
  return out;
}

}  // namespace qb
