// LoRA (Hu et al. 2021): a frozen base weight W plus a trainable low-rank update
// B·A·(alpha/rank), with dropout on the adapter's input. Internal to trainers/.
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "trainers/model/llama_model.h"

namespace qb::train {

struct LoraSettings {
  int rank = 8;
  double alpha = 16;
  double dropout = 0.0;  // in [0, 1); applied to the adapter input in training mode only
  std::vector<std::string> target_modules = {"W_pack", "o_proj"};  // matched against weight names
  double scale() const { return alpha / rank; }
};

// One adapted weight, attached to its Projection as the hook. A is Kaiming-uniform like PEFT,
// B starts at zero, so the adapted model starts equal to the base model.
struct LoraAdapter : ProjectionHook {
  std::string weight_name;  // the base weight it adapts, e.g. "model.layers.0.self_attn.W_pack.weight"
  torch::Tensor A;          // [rank, in]
  torch::Tensor B;          // [out, rank]
  double scale = 1;
  double dropout = 0;

  // x·Wᵀ + scale·(dropout(x)·Aᵀ)·Bᵀ, with W the frozen base weight; dropout only when training.
  // W gets no gradient from here when it does not require one (the base is frozen), so only
  // the input gradient of x·Wᵀ is computed.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& base_weight, bool training) const override;
  // W + scale·B·A (what gets saved: a plain checkpoint with no adapter).
  torch::Tensor merged(const torch::Tensor& base_weight) const;
};

// Inverted dropout for the adapter input: each element of x is zeroed with probability p and
// the rest are scaled by 1/(1-p); the mask is a constant, so the gradient is masked the same way.
// One 64-bit seed per call comes from the global CPU generator (whose state every checkpoint
// saves, so a resumed run draws the same masks); the mask bits are a counter-based hash of
// (seed, element index), the same at any thread count. It replaces torch::dropout, whose
// per-element Bernoulli draws cost ~2.7 ms per [8,128,256] input here (16 per step of the LoRA
// benchmark: ~43 ms, about a fifth of the step).
torch::Tensor adapter_dropout(const torch::Tensor& x, double p);

// True when `weight_name` (a 2-D weight) is named by a target: a target matches a whole
// dotted component ("q_proj" matches "...self_attn.q_proj.weight", not "...xq_proj...").
bool lora_targets(const std::string& weight_name, const std::vector<std::string>& targets);

LoraAdapter make_lora_adapter(const std::string& weight_name, const torch::Tensor& base_weight,
                              const LoraSettings& s);

}  // namespace qb::train
