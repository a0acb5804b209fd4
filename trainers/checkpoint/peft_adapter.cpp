#include "trainers/checkpoint/peft_adapter.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <regex>

#include "common/atomic_file.h"
#include "common/error.h"

namespace qb {

namespace fs = std::filesystem;
using nlohmann::json;

double PeftLoraConfig::scale() const {
  return use_rslora ? lora_alpha / std::sqrt(static_cast<double>(r)) : lora_alpha / static_cast<double>(r);
}

bool PeftLoraConfig::targets(const std::string& module) const {
  if (target_regex) return std::regex_match(module, std::regex(*target_regex));
  for (const auto& t : target_modules) {
    if (module == t) return true;
    if (module.size() > t.size() && module.compare(module.size() - t.size(), t.size(), t) == 0 &&
        module[module.size() - t.size() - 1] == '.')
      return true;
  }
  return false;
}

bool is_adapter_dir(const fs::path& dir) { return fs::exists(dir / kAdapterConfigFile); }

PeftLoraConfig read_peft_lora_config(const fs::path& dir) {
  PeftLoraConfig c;
  c.file = dir / kAdapterConfigFile;
  const std::string file = c.file.string();
  json j;
  try {
    j = json::parse(read_file(c.file));
  } catch (const json::parse_error& e) {
    throw InputError(file, "byte " + std::to_string(e.byte), std::string("invalid JSON: ") + e.what());
  }
  if (!j.is_object()) throw InputError(file, "top level", "must be a JSON object");
  const std::string type = j.value("peft_type", std::string());
  if (type != "LORA")
    throw InputError(file, "key 'peft_type'", "'" + type + "' is not supported (only LORA adapters are merged)");
  auto positive = [&](const char* key) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_number() || it->get<double>() <= 0)
      throw InputError(file, std::string("key '") + key + "'", "must be a positive number");
    return it->get<double>();
  };
  c.r = static_cast<int64_t>(positive("r"));
  c.lora_alpha = positive("lora_alpha");
  auto flag = [&](const char* key) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return false;
    if (!it->is_boolean()) throw InputError(file, std::string("key '") + key + "'", "must be true or false");
    return it->get<bool>();
  };
  c.use_rslora = flag("use_rslora");
  c.fan_in_fan_out = flag("fan_in_fan_out");
  if (flag("use_dora")) throw InputError(file, "key 'use_dora'", "DoRA adapters are not supported");
  if (auto b = j.find("bias"); b != j.end() && !b->is_null() && *b != "none")
    throw InputError(file, "key 'bias'", "only \"none\" is supported (the model has no biases), got " + b->dump());
  for (const char* key : {"modules_to_save", "layers_to_transform", "rank_pattern", "alpha_pattern"})
    if (auto it = j.find(key); it != j.end() && !it->is_null() && !it->empty())
      throw InputError(file, std::string("key '") + key + "'", "is not supported, got " + it->dump());
  auto t = j.find("target_modules");
  if (t != j.end() && t->is_string()) {
    c.target_regex = t->get<std::string>();
  } else if (t != j.end() && t->is_array() && !t->empty()) {
    for (const auto& m : *t) {
      if (!m.is_string()) throw InputError(file, "key 'target_modules'", "must list module names");
      c.target_modules.push_back(m.get<std::string>());
    }
  } else {
    throw InputError(file, "key 'target_modules'", "missing or empty (a list of module names or a regex)");
  }
  if (auto b = j.find("base_model_name_or_path"); b != j.end() && b->is_string())
    c.base_model_name_or_path = b->get<std::string>();
  return c;
}

ModelSource resolve_model_source(const std::string& model, const std::string& adapter, const std::string& base) {
  ModelSource s;
  if (!adapter.empty()) {
    if (!base.empty()) throw InputError("--base", "", "is for an adapter given as --model; with --adapter, --model is the base");
    s.checkpoint = model;
    s.adapter = adapter;
    if (!is_adapter_dir(s.adapter))
      throw InputError(adapter, "adapter", std::string("has no ") + kAdapterConfigFile);
    return s;
  }
  if (!is_adapter_dir(model) || fs::exists(fs::path(model) / "config.json")) {
    if (!base.empty()) throw InputError("--base", "", "needs an adapter directory as --model (or --adapter)");
    s.checkpoint = model;
    return s;
  }
  s.adapter = model;
  if (!base.empty()) {
    s.checkpoint = base;
    return s;
  }
  const PeftLoraConfig c = read_peft_lora_config(model);
  if (c.base_model_name_or_path.empty())
    throw InputError(c.file.string(), "key 'base_model_name_or_path'", "missing: give the base checkpoint with --base");
  fs::path b = c.base_model_name_or_path;
  if (!fs::is_directory(b))
    throw InputError(c.file.string(), "key 'base_model_name_or_path'",
                     "'" + c.base_model_name_or_path + "' is not a local directory: give the base checkpoint with --base");
  s.checkpoint = b;
  return s;
}

}  // namespace qb
