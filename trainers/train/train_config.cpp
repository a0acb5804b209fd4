#include "trainers/train/train_config.h"
#include "common/json_number_overflow.h"
#include "common/json_integer.h"

#include <stdexcept>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/error.h"

namespace qb {

using nlohmann::json;

std::string stage_name(TrainStage s) {
  switch (s) {
    case TrainStage::kDcpt: return "dcpt";
    case TrainStage::kSft: return "sft";
    case TrainStage::kDpo: return "dpo";
  }
  return "?";
}

TrainStage parse_stage(const std::string& name) {
  if (name == "dcpt") return TrainStage::kDcpt;
  if (name == "sft") return TrainStage::kSft;
  if (name == "dpo") return TrainStage::kDpo;
  throw InputError("--stage", "", "unknown stage '" + name + "' (expected dcpt, sft or dpo)");
}

namespace {

// One config key: how to read it from JSON and how to write it back.
struct Key {
  std::function<void(TrainConfig&, const json&)> set;
  std::function<json(const TrainConfig&)> get;
};

template <class T>
Key field(T TrainConfig::*m) {
  return {[m](TrainConfig& c, const json& v) {
            if (v.is_number() && !json_value_fits<T>(v)) throw std::range_error("must be an integer in range, got " + v.dump());
            c.*m = v.get<T>();
          },
          [m](const TrainConfig& c) { return json(c.*m); }};
}

Key path_field(std::filesystem::path TrainConfig::*m) {
  return {[m](TrainConfig& c, const json& v) { c.*m = v.get<std::string>(); },
          [m](const TrainConfig& c) { return json((c.*m).string()); }};
}

const std::map<std::string, Key>& keys() {
  static const std::map<std::string, Key> k = {
      {"stage", {[](TrainConfig& c, const json& v) { c.stage = parse_stage(v.get<std::string>()); },
                 [](const TrainConfig& c) { return json(stage_name(c.stage)); }}},
      {"data", path_field(&TrainConfig::data)},
      {"eval_data", path_field(&TrainConfig::eval_data)},
      {"init", path_field(&TrainConfig::init)},
      {"out", path_field(&TrainConfig::out)},
      {"model_config", path_field(&TrainConfig::model_config)},
      {"tokenizer_vocab_size", field(&TrainConfig::tokenizer_vocab_size)},
      {"seed", field(&TrainConfig::seed)},
      {"max_steps", field(&TrainConfig::max_steps)},
      {"epochs", field(&TrainConfig::epochs)},
      {"batch_size", field(&TrainConfig::batch_size)},
      {"grad_accum", field(&TrainConfig::grad_accum)},
      {"shuffle", field(&TrainConfig::shuffle)},
      {"lr", field(&TrainConfig::lr)},
      {"min_lr_ratio", field(&TrainConfig::min_lr_ratio)},
      {"warmup_steps", field(&TrainConfig::warmup_steps)},
      {"warmup_ratio", field(&TrainConfig::warmup_ratio)},
      {"weight_decay", field(&TrainConfig::weight_decay)},
      {"adam_beta1", field(&TrainConfig::adam_beta1)},
      {"adam_beta2", field(&TrainConfig::adam_beta2)},
      {"adam_eps", field(&TrainConfig::adam_eps)},
      {"max_grad_norm", field(&TrainConfig::max_grad_norm)},
      {"block_size", field(&TrainConfig::block_size)},
      {"heldout_fraction", field(&TrainConfig::heldout_fraction)},
      {"max_len", field(&TrainConfig::max_len)},
      {"max_prompt_len", field(&TrainConfig::max_prompt_len)},
      {"template.system_prefix", field(&TrainConfig::template_system_prefix)},
      {"template.system_suffix", field(&TrainConfig::template_system_suffix)},
      {"template.user_prefix", field(&TrainConfig::template_user_prefix)},
      {"template.user_suffix", field(&TrainConfig::template_user_suffix)},
      {"template.assistant_prefix", field(&TrainConfig::template_assistant_prefix)},
      {"template.assistant_suffix", field(&TrainConfig::template_assistant_suffix)},
      {"dpo.beta", field(&TrainConfig::dpo_beta)},
      {"dpo.loss", field(&TrainConfig::dpo_loss)},
      {"lora.enabled", field(&TrainConfig::lora)},
      {"lora.rank", field(&TrainConfig::lora_rank)},
      {"lora.alpha", field(&TrainConfig::lora_alpha)},
      {"lora.dropout", field(&TrainConfig::lora_dropout)},
      {"lora.target_modules", field(&TrainConfig::lora_targets)},
      {"save_every", field(&TrainConfig::save_every)},
      {"keep_checkpoints", field(&TrainConfig::keep_checkpoints)},
      {"eval_every", field(&TrainConfig::eval_every)},
      {"log_every", field(&TrainConfig::log_every)},
      {"resume", field(&TrainConfig::resume)},
  };
  return k;
}

void flatten(const json& j, const std::string& prefix, std::map<std::string, json>& out) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    std::string key = prefix.empty() ? it.key() : prefix + "." + it.key();
    if (it->is_object())
      flatten(*it, key, out);
    else
      out[key] = *it;
  }
}

void validate(const TrainConfig& c, const std::string& file) {
  auto bad = [&](const std::string& key, const std::string& why) {
    return InputError(file, "key '" + key + "'", why);
  };
  if (c.batch_size < 1) throw bad("batch_size", "must be >= 1");
  if (c.grad_accum < 1) throw bad("grad_accum", "must be >= 1");
  if (c.max_steps < 0) throw bad("max_steps", "must be >= 0");
  if (c.max_steps == 0 && !(c.epochs > 0)) throw bad("epochs", "must be > 0 when max_steps is 0");
  if (!(c.lr > 0)) throw bad("lr", "must be > 0");
  if (c.min_lr_ratio < 0 || c.min_lr_ratio > 1) throw bad("min_lr_ratio", "must be in [0, 1]");
  if (c.warmup_ratio < 0 || c.warmup_ratio >= 1) throw bad("warmup_ratio", "must be in [0, 1)");
  if (c.weight_decay < 0) throw bad("weight_decay", "must be >= 0");
  if (c.block_size < 2) throw bad("block_size", "must be >= 2");
  if (c.heldout_fraction < 0 || c.heldout_fraction >= 1) throw bad("heldout_fraction", "must be in [0, 1)");
  if (c.max_len < 2) throw bad("max_len", "must be >= 2");
  if (c.max_prompt_len < 1) throw bad("max_prompt_len", "must be >= 1");
  if (!(c.dpo_beta > 0)) throw bad("dpo.beta", "must be > 0");
  if (c.dpo_loss != "sigmoid" && c.dpo_loss != "ipo") throw bad("dpo.loss", "must be \"sigmoid\" or \"ipo\"");
  if (c.lora_rank < 1) throw bad("lora.rank", "must be >= 1");
  if (c.lora_dropout < 0 || c.lora_dropout >= 1) throw bad("lora.dropout", "must be in [0, 1)");
  if (c.lora && c.lora_targets.empty()) throw bad("lora.target_modules", "must name at least one module");
  if (c.save_every < 0) throw bad("save_every", "must be >= 0");
  if (c.keep_checkpoints < 1) throw bad("keep_checkpoints", "must be >= 1");
  if (c.eval_every < 0) throw bad("eval_every", "must be >= 0");
  if (c.log_every < 1) throw bad("log_every", "must be >= 1");
}

}  // namespace

TrainConfig train_config_from_json(const std::string& text, const std::filesystem::path& file,
                                   const std::vector<std::string>& overrides) {
  const std::string fname = file.empty() ? std::string("<command line>") : file.string();
  json j;
  try {
    j = text.empty() ? json::object() : json::parse(text);
  } catch (const json::parse_error& e) {
    throw InputError(fname, "byte " + std::to_string(e.byte), "invalid JSON");
  } catch (const json::out_of_range& e) {
    const auto o = locate_number_overflow(text, e);
    throw InputError(fname, "byte " + std::to_string(o.offset + 1), o.problem());
  }
  if (!j.is_object()) throw error_in_file(fname, "a training config must be a JSON object");
  std::map<std::string, json> flat;
  flatten(j, "", flat);
  std::map<std::string, std::string> from;  // where each value came from, for messages
  for (auto& [k, v] : flat) from[k] = fname;
  for (const auto& o : overrides) {
    auto eq = o.find('=');
    if (eq == std::string::npos || eq == 0)
      throw InputError("--set", "'" + o + "'", "expected key=value");
    std::string key = o.substr(0, eq), value = o.substr(eq + 1);
    json v = json::parse(value, nullptr, /*allow_exceptions=*/false);
    flat[key] = v.is_discarded() ? json(value) : v;
    from[key] = "--set";
  }
  TrainConfig c;
  c.config_file = file;
  const auto base = file.empty() ? std::filesystem::path() : file.parent_path();
  for (const auto& [k, v] : flat) {
    auto it = keys().find(k);
    if (it == keys().end()) throw InputError(from[k], "key '" + k + "'", "unknown key (docs/TRAINING.md lists them)");
    try {
      it->second.set(c, v);
    } catch (const json::exception&) {
      throw InputError(from[k], "key '" + k + "'", "wrong type: " + v.dump());
    } catch (const std::range_error& e) {
      throw InputError(from[k], "key '" + k + "'", e.what());
    }
  }
  // Paths in a config file are relative to it; paths from --set to the working directory.
  for (auto [key, m] : {std::pair{"data", &TrainConfig::data}, {"eval_data", &TrainConfig::eval_data},
                        {"init", &TrainConfig::init}, {"out", &TrainConfig::out},
                        {"model_config", &TrainConfig::model_config}}) {
    auto& p = c.*m;
    if (!p.empty() && p.is_relative() && from[key] == fname && !base.empty()) p = base / p;
  }
  validate(c, fname);
  return c;
}

TrainConfig load_train_config(const std::filesystem::path& file, const std::vector<std::string>& overrides) {
  return train_config_from_json(file.empty() ? std::string() : read_file(file), file, overrides);
}

std::string train_config_to_json(const TrainConfig& c) {
  json j = json::object();
  for (const auto& [k, key] : keys()) j[k] = key.get(c);
  return j.dump(2);
}

}  // namespace qb
