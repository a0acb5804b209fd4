// The model as a stage trains it: either every weight (full fine-tuning) or only LoRA
// adapters on the targeted projections, with the base weights frozen. Internal to trainers/.
//
// LoRA is applied by substituting each targeted Projection's weight with W + scale·B·A
// (a differentiable tensor) before every forward pass: the model code stays untouched and
// gradients reach only A and B. This equals the adapter form x·Wᵀ + scale·x·Aᵀ·Bᵀ up to
// rounding (tests/trainers/train_lora_test.cpp checks 1e-5), but has no place for dropout on
// the adapter input, so lora.dropout must be 0.
#pragma once

#include <torch/torch.h>

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "trainers/llama_model.h"
#include "trainers/lora.h"
#include "trainers/optim_adamw.h"

namespace qb::train {

class TrainableLm {
 public:
  // Adapters are created (seeded by the global generator) when `lora` is set; throws
  // std::invalid_argument when no projection matches the target modules.
  TrainableLm(LlamaModel& model, std::optional<LoraSettings> lora);

  // Logits [B, T, vocab] with the current adapters applied.
  torch::Tensor logits(const torch::Tensor& ids);
  // Full fine-tuning: every model parameter. LoRA: "<weight>.lora_A" / ".lora_B" tensors.
  NamedParams trainable();
  void set_training(bool on);
  bool uses_lora() const { return !sites_.empty(); }

  // Writes the HF checkpoint (config.json + model.safetensors), adapters merged in.
  void save_merged(const std::filesystem::path& dir);
  // Adapter tensors for the trainer state, and their restore on resume.
  std::vector<std::pair<std::string, torch::Tensor>> adapter_state();
  void restore_adapter(const std::string& name, const torch::Tensor& value);

  LlamaModel& model() { return model_; }
  const std::vector<LoraAdapter>& adapters() const { return adapters_; }

 private:
  void apply_adapters();

  LlamaModel& model_;
  struct Site {
    ProjectionImpl* proj;
    torch::Tensor base;  // the registered (frozen) weight
  };
  std::vector<Site> sites_;
  std::vector<LoraAdapter> adapters_;  // parallel to sites_
};

}  // namespace qb::train
