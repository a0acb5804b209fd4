#include "trainers/checkpoint/peft_merge.h"

#include <iostream>
#include <map>
#include <set>

#include "common/error.h"
#include "trainers/checkpoint/peft_adapter.h"
#include "trainers/checkpoint/safetensors.h"

namespace qb {

namespace {

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

}  // namespace

void merge_peft_adapter(LlamaModel& model, const std::filesystem::path& adapter_dir) {
  const PeftLoraConfig cfg = read_peft_lora_config(adapter_dir);
  const auto file = adapter_dir / kAdapterWeightsFile;
  if (!std::filesystem::exists(file)) throw InputError(file.string(), "adapter", "file is missing");
  auto st = std::make_shared<MappedSafetensors>(file);
  const std::string f = file.string();

  // The base's adaptable modules: every 2-D weight, by module name.
  std::map<std::string, torch::Tensor> weights;
  for (auto& p : model->named_parameters())
    if (p.value().dim() == 2 && ends_with(p.key(), ".weight"))
      weights[p.key().substr(0, p.key().size() - 7)] = p.value();

  const std::string prefix = "base_model.model.";
  std::map<std::string, std::pair<std::string, std::string>> ab;  // module -> (A tensor, B tensor)
  for (const auto& [name, entry] : st->header().tensors) {
    const bool is_a = ends_with(name, ".lora_A.weight"), is_b = ends_with(name, ".lora_B.weight");
    if (name.rfind(prefix, 0) != 0 || (!is_a && !is_b))
      throw InputError(f, "tensor '" + name + "'",
                       "is not a LoRA weight in PEFT's layout (base_model.model.<module>.lora_A|lora_B.weight)");
    const std::string module = name.substr(prefix.size(), name.size() - prefix.size() - 14);
    if (!weights.count(module))
      throw InputError(f, "tensor '" + name + "'",
                       "module '" + module + "' is not in the base model (" + model->config().model_type() +
                           "): an adapter for another base?");
    if (!cfg.targets(module))
      throw InputError(f, "tensor '" + name + "'", "module '" + module + "' is not among adapter_config.json's target_modules");
    (is_a ? ab[module].first : ab[module].second) = name;
  }
  // Every module PEFT would have adapted must have both halves, and every listed target must
  // name something in this base (PEFT refuses such a config too).
  std::set<std::string> matched_targets;
  for (const auto& [module, w] : weights) {
    if (!cfg.targets(module)) continue;
    for (const auto& t : cfg.target_modules)
      if (module == t || ends_with(module, "." + t)) matched_targets.insert(t);
    const auto it = ab.find(module);
    if (it == ab.end() || it->second.first.empty() || it->second.second.empty())
      throw InputError(f, "tensor '" + prefix + module + (it == ab.end() || it->second.first.empty() ? ".lora_A" : ".lora_B") + ".weight'",
                       "missing for target module '" + module + "'");
  }
  for (const auto& t : cfg.target_modules)
    if (!matched_targets.count(t))
      throw InputError(cfg.file.string(), "target_modules '" + t + "'",
                       "matches no module of the base model (" + model->config().model_type() + ")");
  if (ab.empty()) throw InputError(f, "adapter", "has no LoRA tensors");
  if (cfg.fan_in_fan_out)
    std::cerr << "qilin-bench: warning: " << cfg.file.string()
              << ": fan_in_fan_out is true but the targets are linear layers ([out, in] weights); ignored, as PEFT does\n";

  torch::NoGradGuard no_grad;
  const double scale = cfg.scale();
  for (const auto& entry : ab) {
    const std::string& module = entry.first;
    const auto& names = entry.second;
    torch::Tensor w = weights.at(module);
    const int64_t out = w.size(0), in = w.size(1);
    auto check = [&](const std::string& name, std::vector<int64_t> want) {
      const auto& e = st->header().tensors.at(name);
      if (torch::IntArrayRef(e.shape) != torch::IntArrayRef(want))
        throw InputError(f, "tensor '" + name + "'",
                         "shape " + shape_text(e.shape) + " but the base weight " + module + ".weight " +
                             shape_text(w.sizes()) + " and r = " + std::to_string(cfg.r) + " need " + shape_text(want) +
                             ": an adapter for another base?");
    };
    check(names.first, {cfg.r, in});
    check(names.second, {out, cfg.r});
  }
  for (const auto& [module, names] : ab) {
    torch::Tensor w = weights.at(module);
    auto a = st->load(names.first, torch::kFloat32), b = st->load(names.second, torch::kFloat32);
    // Merged in fp32 and rounded once to the weight's dtype. A weight used from the memory map
    // is changed in place: the private mapping copies only the touched pages (never the file).
    w.copy_(w.to(torch::kFloat32).add_(torch::matmul(b, a), scale));
  }
}

}  // namespace qb
