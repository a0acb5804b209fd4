#include "trainers/model/model_tools.h"

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "trainers/checkpoint/checkpoint.h"
#include "trainers/checkpoint/checkpoint_layout.h"
#include "trainers/checkpoint/compute_dtype.h"
#include "trainers/checkpoint/safetensors_header.h"

namespace qb {

namespace fs = std::filesystem;

void init_random_checkpoint(const ModelConfig& config, const fs::path& dir, uint64_t seed, const std::string& dtype,
                            int64_t max_shard_bytes) {
  const std::string name = canonical_dtype_name(dtype, "--dtype");
  // Tensor by tensor with init_weights' generator and order, so the bytes equal those of
  // LlamaModel::init_weights + save_model (the ModelTools tests check it) while only one fp32
  // tensor exists at a time: a 7B bf16 checkpoint is made in ~1.5 GB instead of 28 GB.
  auto gen = at::detail::createCPUGenerator(seed);
  torch::NoGradGuard no_grad;
  save_model_streamed(dir, config, parameter_shapes(config), name, max_shard_bytes,
                      [&](const std::string& tensor, const std::vector<int64_t>& shape) {
                        if (tensor.find("norm") != std::string::npos) return torch::ones(shape);
                        return torch::empty(shape).normal_(0.0, config.initializer_range, gen);
                      });
}

std::string describe_checkpoint_json(const fs::path& dir) {
  const CheckpointLayout layout = find_checkpoint_layout(dir);
  const ModelConfig config = load_model_config(layout.config);
  nlohmann::ordered_json shards = nlohmann::ordered_json::array();
  std::map<std::string, int64_t> dtype_counts;
  int64_t stored = 0;
  for (const auto& p : layout.shards) {
    const SafetensorsHeader h = read_safetensors_header(p);
    for (const auto& [name, e] : h.tensors) {
      dtype_counts[e.dtype] += e.numel();
      if (name.find("rotary_emb.inv_freq") == std::string::npos) stored += e.numel();
    }
    shards.push_back({{"file", p.filename().string()}, {"tensors", h.tensors.size()}, {"bytes", h.file_size}});
  }
  std::string dtype;
  for (const auto& [d, n] : dtype_counts) dtype += (dtype.empty() ? "" : "+") + d;
  nlohmann::ordered_json j;
  j["architecture"] = config.architecture == Architecture::kBaichuan ? "BaichuanForCausalLM" : "LlamaForCausalLM";
  j["model_type"] = config.model_type();
  j["parameters"] = config.num_parameters();
  j["stored_parameters"] = stored;
  j["dtype"] = dtype;
  j["layers"] = config.num_hidden_layers;
  j["hidden_size"] = config.hidden_size;
  j["attention_heads"] = config.num_attention_heads;
  j["key_value_heads"] = config.num_key_value_heads;
  j["tied_embeddings"] = config.tie_word_embeddings;
  j["vocab_size"] = config.vocab_size;
  j["sharded"] = !layout.index.empty();
  j["shards"] = shards;
  j["tokenizer"] = fs::exists(dir / "tokenizer.json") ? "tokenizer.json"
                   : fs::exists(dir / "tokenizer.model") ? "tokenizer.model"
                                                          : "";
  return j.dump(2) + "\n";
}

std::vector<float> last_position_logits(const fs::path& dir, const std::vector<int64_t>& ids) {
  return last_position_logits(dir, std::vector<std::vector<int64_t>>{ids})[0];
}

std::vector<std::vector<float>> last_position_logits(const fs::path& dir,
                                                     const std::vector<std::vector<int64_t>>& sequences) {
  return last_position_logits(dir, sequences, "fp32");
}

std::vector<std::vector<float>> last_position_logits(const fs::path& dir,
                                                     const std::vector<std::vector<int64_t>>& sequences,
                                                     const std::string& dtype, const fs::path& adapter) {
  for (const auto& ids : sequences)
    if (ids.empty()) throw InputError("--ids", "value", "needs at least one token id");
  LoadOptions lo;
  lo.dtype = resolve_compute_dtype(dir, dtype);
  lo.inference = true;
  lo.adapter = adapter;
  LlamaModel model = load_model(dir, lo);
  std::vector<std::vector<float>> out;
  c10::InferenceMode guard;
  for (const auto& ids : sequences) {
    for (size_t i = 0; i < ids.size(); ++i)
      if (ids[i] < 0 || ids[i] >= model->config().vocab_size)
        throw InputError("--ids", "position " + std::to_string(i + 1),
                         "id " + std::to_string(ids[i]) + " is outside the vocabulary of " +
                             std::to_string(model->config().vocab_size));
    auto input = torch::tensor(ids, torch::kInt64).unsqueeze(0);
    auto hidden = model->hidden_states(input);
    auto logits = model->logits(hidden.select(1, hidden.size(1) - 1)).squeeze(0).contiguous();
    const float* p = logits.data_ptr<float>();
    out.emplace_back(p, p + logits.numel());
  }
  return out;
}

}  // namespace qb
