// The model as a stage trains it: either every weight (full fine-tuning) or only LoRA
// adapters on the targeted projections, with the base weights frozen. Internal to trainers/.
//
// LoRA is applied in adapter form: each targeted Projection gets its LoraAdapter as the
// projection hook (llama_model.h), so it computes x·Wᵀ + scale·(dropout(x)·Aᵀ)·Bᵀ. Every base
// weight has requires_grad false, so backward computes no weight gradient for them (only
// input gradients where an adapter below needs them). Saving merges W + scale·B·A into the
// plain HF layout.
#pragma once

#include <torch/torch.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "trainers/model/llama_model.h"
#include "trainers/model/lora.h"
#include "trainers/train/optim_adamw.h"

namespace qb::train {

class TrainableLm {
 public:
  // Adapters are created (seeded by the global generator) and attached when `lora` is set;
  // throws std::invalid_argument when no projection matches the target modules.
  TrainableLm(LlamaModel& model, std::optional<LoraSettings> lora);
  // Detaches the adapters: the model is the plain (frozen) base model again.
  ~TrainableLm();
  TrainableLm(const TrainableLm&) = delete;
  TrainableLm& operator=(const TrainableLm&) = delete;

  // Logits [B, T, vocab]; adapters (and their dropout, in training mode) apply.
  torch::Tensor logits(const torch::Tensor& ids);
  // Logits of the frozen base alone: the adapters are detached for the call and reattached
  // after it, even when it throws (PEFT's disable_adapter(); LoRA DPO's reference model). It
  // draws no dropout mask. The base weights are frozen, so this is the init model at any step.
  // Without LoRA there is no frozen base: std::logic_error.
  torch::Tensor base_logits(const torch::Tensor& ids);
  // Full fine-tuning: every model parameter. LoRA: "<weight>.lora_A" / ".lora_B" tensors.
  NamedParams trainable();
  void set_training(bool on);
  bool is_training() const { return model_->is_training(); }
  bool uses_lora() const { return !adapters_.empty(); }

  // Writes the HF checkpoint (config.json + model.safetensors), adapters merged in.
  void save_merged(const std::filesystem::path& dir);
  // Adapter tensors for the trainer state, and their restore on resume.
  std::vector<std::pair<std::string, torch::Tensor>> adapter_state();
  void restore_adapter(const std::string& name, const torch::Tensor& value);

  LlamaModel& model() { return model_; }
  const std::vector<std::shared_ptr<LoraAdapter>>& adapters() const { return adapters_; }

 private:
  LlamaModel& model_;
  std::vector<ProjectionImpl*> sites_;                  // the adapted projections
  std::vector<std::shared_ptr<LoraAdapter>> adapters_;  // parallel to sites_, each sites_[i]->hook
};

// Sets a module's train/eval mode for a scope and restores the previous one.
class TrainingModeScope {
 public:
  TrainingModeScope(TrainableLm& lm, bool on) : lm_(lm), was_(lm.is_training()) { lm_.set_training(on); }
  ~TrainingModeScope() { lm_.set_training(was_); }

 private:
  TrainableLm& lm_;
  bool was_;
};

}  // namespace qb::train
