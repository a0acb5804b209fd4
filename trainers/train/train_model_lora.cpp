#include "trainers/train/train_model_lora.h"

#include <stdexcept>

#include "trainers/checkpoint/checkpoint.h"

namespace qb::train {

TrainableLm::TrainableLm(LlamaModel& model, std::optional<LoraSettings> lora) : model_(model) {
  if (!lora) {
    for (auto& p : model_->parameters()) p.set_requires_grad(true);
    return;
  }
  for (auto& p : model_->parameters()) p.set_requires_grad(false);
  for (const auto& item : model_->named_modules()) {
    auto* proj = dynamic_cast<ProjectionImpl*>(item.value().get());
    if (!proj) continue;
    const std::string weight_name = item.key() + ".weight";
    if (!lora_targets(weight_name, lora->target_modules)) continue;
    sites_.push_back(proj);
    adapters_.push_back(std::make_shared<LoraAdapter>(make_lora_adapter(weight_name, proj->weight, *lora)));
  }
  if (sites_.empty()) {
    std::string t;
    for (const auto& s : lora->target_modules) t += (t.empty() ? "" : ", ") + s;
    throw std::invalid_argument("lora.target_modules [" + t + "] match no projection of the model");
  }
  for (size_t i = 0; i < sites_.size(); ++i) sites_[i]->hook = adapters_[i];
}

TrainableLm::~TrainableLm() {
  for (auto* proj : sites_) proj->hook.reset();
}

torch::Tensor TrainableLm::logits(const torch::Tensor& ids) { return model_->forward(ids); }

torch::Tensor TrainableLm::base_logits(const torch::Tensor& ids) {
  if (adapters_.empty()) throw std::logic_error("base_logits: the model has no LoRA adapters; its base is trained");
  struct Detached {
    TrainableLm& lm;
    explicit Detached(TrainableLm& l) : lm(l) {
      for (auto* proj : lm.sites_) proj->hook.reset();
    }
    ~Detached() {
      for (size_t i = 0; i < lm.sites_.size(); ++i) lm.sites_[i]->hook = lm.adapters_[i];
    }
  } detached(*this);
  return model_->forward(ids);
}

NamedParams TrainableLm::trainable() {
  NamedParams out;
  if (adapters_.empty()) {
    for (const auto& p : model_->named_parameters()) out.emplace_back(p.key(), p.value());
    return out;
  }
  for (const auto& a : adapters_) {
    out.emplace_back(a->weight_name + ".lora_A", a->A);
    out.emplace_back(a->weight_name + ".lora_B", a->B);
  }
  return out;
}

void TrainableLm::set_training(bool on) { model_->train(on); }

void TrainableLm::save_merged(const std::filesystem::path& dir) {
  if (adapters_.empty()) {
    save_model(dir, model_, "float32");
    return;
  }
  // The base weights hold W + scale·B·A while the checkpoint is written, then get their exact
  // bits back (the base is frozen, so nothing else sees the interval).
  torch::NoGradGuard ng;
  std::vector<torch::Tensor> saved;
  for (size_t i = 0; i < sites_.size(); ++i) {
    saved.push_back(sites_[i]->weight.clone());
    sites_[i]->weight.copy_(adapters_[i]->merged(saved.back()));
  }
  auto restore = [&] {
    for (size_t i = 0; i < sites_.size(); ++i) sites_[i]->weight.copy_(saved[i]);
  };
  try {
    save_model(dir, model_, "float32");
  } catch (...) {
    restore();
    throw;
  }
  restore();
}

std::vector<std::pair<std::string, torch::Tensor>> TrainableLm::adapter_state() {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& [name, t] : trainable())
    if (uses_lora()) out.emplace_back(name, t);
  return out;
}

void TrainableLm::restore_adapter(const std::string& name, const torch::Tensor& value) {
  torch::NoGradGuard ng;
  for (auto& a : adapters_) {
    if (name == a->weight_name + ".lora_A") return void(a->A.copy_(value));
    if (name == a->weight_name + ".lora_B") return void(a->B.copy_(value));
  }
  throw std::runtime_error("trainer state has adapter '" + name + "' that this model does not have");
}

}  // namespace qb::train
