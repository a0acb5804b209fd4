// Loading and saving a LlamaModel in the Hugging Face layout (config.json +
// model.safetensors or shards + index). For use inside trainers/ only (includes torch).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <utility>
#include <vector>
#include <string>

#include "trainers/model/llama_model.h"

namespace qb {

// Builds the model from DIR/config.json and fills every parameter from the
// safetensors (memory-mapped; fp32/fp16/bf16 stored, float32 in memory). A missing
// tensor, an unexpected one, or a shape that disagrees with the config is a
// qb::InputError naming the shard file and the tensor. The model is in eval mode.
LlamaModel load_model(const std::filesystem::path& dir);

// How load_model(dir, options) places the weights.
struct LoadOptions {
  // The compute dtype: "float32" (training keeps fp32 master weights) or "bfloat16"
  // (compute_dtype.h resolves `--dtype auto`).
  std::string dtype = "float32";
  // Inference: a tensor stored in the compute dtype is used straight from the memory map (no
  // copy; its pages are the file's page cache), any other is converted once; no parameter
  // requires grad. false: every parameter is an owned float32 copy, as load_model(dir).
  bool inference = false;
  // A PEFT LoRA adapter directory merged into the weights after loading (peft_merge.h); empty: none.
  std::filesystem::path adapter;
};
LlamaModel load_model(const std::filesystem::path& dir, const LoadOptions& options);

// Writes config.json and the weights atomically, each tensor stored as `dtype`
// ("float32", "float16", "bfloat16"). max_shard_bytes > 0 splits the weights into
// model-0000k-of-0000n.safetensors + model.safetensors.index.json; 0 writes one file.
// A file of the other layout left over in DIR is removed after the new one is in place.
void save_model(const std::filesystem::path& dir, LlamaModel& model, const std::string& dtype = "float32",
                int64_t max_shard_bytes = 0);

// save_model's files from tensors produced one at a time: produce(name, shape) is called once per
// entry, in order, and its result is written before the next is asked for, so a 7B checkpoint
// never has more than one tensor in memory. config.json gets torch_dtype = dtype.
using TensorProducer = std::function<torch::Tensor(const std::string& name, const std::vector<int64_t>& shape)>;
void save_model_streamed(const std::filesystem::path& dir, ModelConfig config,
                         const std::vector<std::pair<std::string, std::vector<int64_t>>>& entries,
                         const std::string& dtype, int64_t max_shard_bytes, const TensorProducer& produce);

// Names and shapes of the model's parameters for `config`, in named_parameters() order,
// without building the model (nothing allocated).
std::vector<std::pair<std::string, std::vector<int64_t>>> parameter_shapes(const ModelConfig& config);

}  // namespace qb
