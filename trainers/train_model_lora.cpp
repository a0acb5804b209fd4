#include "trainers/train_model_lora.h"

#include <stdexcept>

#include "trainers/checkpoint.h"

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
    sites_.push_back({proj, proj->weight});
    adapters_.push_back(make_lora_adapter(weight_name, proj->weight, *lora));
  }
  if (sites_.empty()) {
    std::string t;
    for (const auto& s : lora->target_modules) t += (t.empty() ? "" : ", ") + s;
    throw std::invalid_argument("lora.target_modules [" + t + "] match no projection of the model");
  }
}

void TrainableLm::apply_adapters() {
  for (size_t i = 0; i < sites_.size(); ++i) {
    const auto& a = adapters_[i];
    sites_[i].proj->weight = sites_[i].base + torch::matmul(a.B, a.A) * a.scale;
  }
}

torch::Tensor TrainableLm::logits(const torch::Tensor& ids) {
  apply_adapters();
  return model_->forward(ids);
}

NamedParams TrainableLm::trainable() {
  NamedParams out;
  if (sites_.empty()) {
    for (const auto& p : model_->named_parameters()) out.emplace_back(p.key(), p.value());
    return out;
  }
  for (const auto& a : adapters_) {
    out.emplace_back(a.weight_name + ".lora_A", a.A);
    out.emplace_back(a.weight_name + ".lora_B", a.B);
  }
  return out;
}

void TrainableLm::set_training(bool on) { model_->train(on); }

void TrainableLm::save_merged(const std::filesystem::path& dir) {
  if (sites_.empty()) {
    save_model(dir, model_, "float32");
    return;
  }
  torch::NoGradGuard ng;
  std::vector<torch::Tensor> saved;
  for (size_t i = 0; i < sites_.size(); ++i) {
    saved.push_back(sites_[i].base.clone());
    sites_[i].base.copy_(adapters_[i].merged(saved.back()));
  }
  try {
    save_model(dir, model_, "float32");
  } catch (...) {
    for (size_t i = 0; i < sites_.size(); ++i) sites_[i].base.copy_(saved[i]);
    throw;
  }
  for (size_t i = 0; i < sites_.size(); ++i) sites_[i].base.copy_(saved[i]);
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
    if (name == a.weight_name + ".lora_A") return void(a.A.copy_(value));
    if (name == a.weight_name + ".lora_B") return void(a.B.copy_(value));
  }
  throw std::runtime_error("trainer state has adapter '" + name + "' that this model does not have");
}

}  // namespace qb::train
