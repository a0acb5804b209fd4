#include "harness/pipeline_config.h"

#include <functional>

#include "common/error.h"
#include "common/json_config.h"
#include "common/json_integer.h"

namespace qb {
using nlohmann::json;

json default_pipeline_config() {
  // Sizes and steps were chosen by timing the whole demo on the 2-core machine
  // (docs/PIPELINE.md has the measured stage times).
  return json::parse(R"JSON({
  "run_name": "demo",
  "run_dir": "qilin-runs/demo",
  "data": {
    "demo_seed": 20261124,
    "demo_scale": "default",
    "lenient": false,
    "dcpt": null, "sft": null, "dpo": null,
    "cmexam_test": null, "cmexam_train": null, "huatuo_test": null, "rag_corpus": null
  },
  "model": {
    "base_checkpoint": null,
    "init_seed": 1,
    "tokenizer_min_frequency": 1,
    "architecture": {
      "architectures": ["LlamaForCausalLM"], "model_type": "llama",
      "hidden_size": 192, "intermediate_size": 512, "num_hidden_layers": 4,
      "num_attention_heads": 6, "num_key_value_heads": 6, "max_position_embeddings": 512,
      "rms_norm_eps": 1e-6, "rope_theta": 10000.0, "tie_word_embeddings": false,
      "bos_token_id": 1, "eos_token_id": 2, "pad_token_id": 0, "torch_dtype": "float32"
    }
  },
  "stages": {
    "dcpt": {"epochs": 6, "batch_size": 16, "block_size": 128, "lr": 0.002, "warmup_ratio": 0.05,
             "heldout_fraction": 0.02, "save_every": 50, "seed": 1},
    "sft":  {"epochs": 2, "batch_size": 16, "max_len": 256, "lr": 0.001, "warmup_ratio": 0.05,
             "save_every": 50, "seed": 2},
    "dpo":  {"epochs": 2, "batch_size": 8, "max_len": 256, "max_prompt_len": 160, "lr": 0.0001,
             "warmup_ratio": 0.1, "save_every": 50, "seed": 3}
  },
  "eval": {
    "checkpoints": ["base", "dcpt", "sft", "dpo"],
    "cmexam_modes": ["loglik", "generate"],
    "huatuo": true,
    "limit": 0,
    "k_shot": 0,
    "continuation": "text",
    "cmexam_max_new_tokens": 8,
    "huatuo_max_new_tokens": 64,
    "huatuo_template": "",
    "batch_size": 16,
    "seed": 1234,
    "dtype": "fp32",
    "serve": null,
    "backend": null
  },
  "rag": {
    "checkpoints": ["sft", "dpo"],
    "k": 2,
    "template": "",
    "segmenter": "jieba",
    "k1": 1.5,
    "b": 0.75
  },
  "metrics": {"segmenter": "jieba", "hmm": true, "bootstrap": 1000, "seed": 12345},
  "compare": {"resamples": 1000, "seed": 12345, "alpha": 0.05}
})JSON");
}

const std::vector<std::string>& pipeline_free_form_paths() {
  static const std::vector<std::string> paths = {"model.architecture", "stages.dcpt", "stages.sft",
                                                 "stages.dpo", "eval.serve", "eval.backend"};
  return paths;
}

namespace {

// One config key: how to read it into the typed settings. Types were checked against the defaults
// by merge_config; `as` still names the key when a value that may be null (a data file) is not a
// string, or a list holds a wrong element.
struct At {
  const std::string& source;  // the config file (or "config")
  const std::string& key;     // the dotted key
};
using Setter = std::function<void(PipelineConfig&, const json&, const At&)>;

InputError bad_key(const std::string& source, const std::string& key, const std::string& why) {
  return InputError(source, "key '" + key + "'", why);
}

template <class T>
T as(const json& v, const At& at) {
  if (v.is_number() && !json_value_fits<T>(v))  // only integer T can refuse a number
    throw bad_key(at.source, at.key, "must be an integer in range, got " + v.dump());
  try {
    return v.get<T>();
  } catch (const json::exception&) {
    throw bad_key(at.source, at.key, "has the wrong type: " + v.dump());
  }
}

std::string one_of(const json& v, const At& at, std::initializer_list<const char*> allowed) {
  const std::string s = as<std::string>(v, at);
  std::string list;
  for (const char* a : allowed) {
    if (s == a) return s;
    list += (list.empty() ? "'" : ", '") + std::string(a) + "'";
  }
  throw bad_key(at.source, at.key, "must be one of " + list + ", got '" + s + "'");
}

std::vector<std::string> list_of(const json& v, const At& at, std::initializer_list<const char*> allowed) {
  if (!v.is_array()) throw bad_key(at.source, at.key, "must be a list, got " + v.dump());
  std::vector<std::string> out;
  for (const auto& x : v) out.push_back(one_of(x, at, allowed));
  return out;
}

// A plain field: the JSON value converted to the member's type.
template <class T>
Setter field(T PipelineConfig::*m) {
  return [m](PipelineConfig& c, const json& v, const At& at) { c.*m = as<T>(v, at); };
}
template <class S, class T>
Setter field(S PipelineConfig::*part, T S::*m) {
  return [part, m](PipelineConfig& c, const json& v, const At& at) { c.*part.*m = as<T>(v, at); };
}

// eval.backend (see ServedRowsSettings).
ServedRowsSettings served_rows_from_json(const json& j, const std::string& source) {
  auto bad = [&](const std::string& k, const std::string& why) { return bad_key(source, "eval.backend." + k, why); };
  if (!j.is_object()) throw bad_key(source, "eval.backend", "must be null or an object with \"kind\": \"openai\"");
  ServedRowsSettings s;
  std::string kind;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    const json& v = it.value();
    if (k == "kind") {
      if (v != "openai") throw bad(k, "must be \"openai\" (null = the in-process engine), got " + v.dump());
      kind = "openai";
    } else if (k == "base_urls") {
      if (!v.is_array() || v.empty()) throw bad(k, "must be a non-empty list of URLs");
      for (const auto& u : v) {
        if (!u.is_string() || u.get<std::string>().rfind("http", 0) != 0)
          throw bad(k, "every entry must be an http:// or https:// URL, got " + u.dump());
        s.base_urls.push_back(u.get<std::string>());
      }
    } else if (k == "models") {
      if (!v.is_object() || v.empty()) throw bad(k, "must map rows (base, dcpt, sft, dpo) to served model names");
      for (const auto& [row, name] : v.items()) {
        if (row != "base" && row != "dcpt" && row != "sft" && row != "dpo")
          throw bad(k, "'" + row + "' is not a row (base, dcpt, sft, dpo)");
        if (!name.is_string() || name.get<std::string>().empty())
          throw bad(k, "'" + row + "' must name a served model, got " + name.dump());
        s.models[row] = name.get<std::string>();
      }
    } else if (k == "api_key_env") {
      if (!v.is_string()) throw bad(k, "must be the name of an environment variable, got " + v.dump());
      s.api_key_env = v.get<std::string>();
    } else if (k == "chat") {
      if (!v.is_boolean()) throw bad(k, "must be true or false, got " + v.dump());
      s.chat = v.get<bool>();
    } else if (k == "concurrency") {
      if (!v.is_number_integer() || !json_value_fits<int>(v) || v.get<int>() < 1)
        throw bad(k, "must be an integer >= 1, got " + v.dump());
      s.concurrency = v.get<int>();
    } else if (k == "tokenizer") {
      if (v != "none" && v != "server")
        throw bad(k, "must be \"none\" (prompts as text) or \"server\" (its /tokenize), got " + v.dump());
      s.tokenizer = v.get<std::string>();
    } else if (k == "request_timeout_s") {
      if (!v.is_number() || v.get<double>() < 1) throw bad(k, "must be a number >= 1, got " + v.dump());
      s.request_timeout_s = v.get<double>();
    } else {
      throw bad(k, "unknown setting (known: kind, base_urls, models, api_key_env, chat, concurrency, tokenizer, "
                   "request_timeout_s)");
    }
  }
  if (kind.empty()) throw bad("kind", "missing: \"openai\"");
  if (s.base_urls.empty()) throw bad("base_urls", "missing: the server's URL");
  if (s.models.empty()) throw bad("models", "missing: which rows the server answers, e.g. {\"base\": \"baichuan-7b\"}");
  return s;
}

const std::map<std::string, Setter>& setters() {
  static const std::map<std::string, Setter> t = [] {
    std::map<std::string, Setter> t;
    using C = PipelineConfig;
    t["run_name"] = field(&C::run_name);
    t["run_dir"] = [](C& c, const json& v, const At& at) { c.run_dir = as<std::string>(v, at); };
    t["data.demo_seed"] = field(&C::data, &DataSettings::demo_seed);
    t["data.demo_scale"] = [](C& c, const json& v, const At& at) { c.data.demo_scale = one_of(v, at, {"default", "small"}); };
    t["data.lenient"] = field(&C::data, &DataSettings::lenient);
    for (const char* role : kDataRoles)
      t[std::string("data.") + role] = [role](C& c, const json& v, const At& at) {
        if (!v.is_null()) c.data.files[role] = as<std::string>(v, at);
      };
    t["model.base_checkpoint"] = [](C& c, const json& v, const At& at) {
      if (!v.is_null()) c.model.base_checkpoint = as<std::string>(v, at);
    };
    t["model.init_seed"] = field(&C::model, &ModelSettings::init_seed);
    t["model.tokenizer_min_frequency"] = field(&C::model, &ModelSettings::tokenizer_min_frequency);
    t["model.architecture"] = [](C& c, const json& v, const At&) { c.model.architecture = v; };
    for (const char* stage : {"dcpt", "sft", "dpo"})
      t[std::string("stages.") + stage] = [stage](C& c, const json& v, const At& at) {
        // "trainer": "builtin" (the default) or an external trainer's command; the rest are the
        // built-in trainer's settings.
        json settings = v;
        if (settings.contains("trainer")) {
          const json& tr = settings["trainer"];
          if (tr.is_object())
            c.external_trainers[stage] = external_trainer_from_json(tr, at.source + ": stages." + stage);
          else if (!(tr.is_string() && tr.get<std::string>() == "builtin"))
            throw bad_key(at.source, at.key + ".trainer", "must be \"builtin\" or an object with a \"command\"");
          settings.erase("trainer");
        }
        TrainConfig tc = train_config_from_json(settings.dump(), std::string("config: stages.") + stage, {});
        tc.stage = parse_stage(stage);
        c.stages[stage] = tc;
      };
    t["eval.checkpoints"] = [](C& c, const json& v, const At& at) {
      c.eval.checkpoints = list_of(v, at, {"base", "dcpt", "sft", "dpo"});
    };
    t["eval.cmexam_modes"] = [](C& c, const json& v, const At& at) {
      c.eval.cmexam_modes = list_of(v, at, {"loglik", "generate"});
    };
    t["eval.huatuo"] = field(&C::eval, &EvalSettings::huatuo);
    t["eval.limit"] = field(&C::eval, &EvalSettings::limit);
    t["eval.k_shot"] = field(&C::eval, &EvalSettings::k_shot);
    t["eval.continuation"] = [](C& c, const json& v, const At& at) { c.eval.continuation = one_of(v, at, {"letter", "text"}); };
    t["eval.cmexam_max_new_tokens"] = field(&C::eval, &EvalSettings::cmexam_max_new_tokens);
    t["eval.huatuo_max_new_tokens"] = field(&C::eval, &EvalSettings::huatuo_max_new_tokens);
    t["eval.huatuo_template"] = field(&C::eval, &EvalSettings::huatuo_template);
    t["eval.batch_size"] = field(&C::eval, &EvalSettings::batch_size);
    t["eval.seed"] = field(&C::eval, &EvalSettings::seed);
    t["eval.dtype"] = [](C& c, const json& v, const At& at) { c.eval.dtype = one_of(v, at, {"fp32", "bf16", "auto"}); };
    t["eval.backend"] = [](C& c, const json& v, const At& at) {
      if (!v.is_null()) c.eval.backend = served_rows_from_json(v, at.source);
    };
    t["eval.serve"] = [](C& c, const json& v, const At& at) {
      if (!v.is_null()) c.eval.serve = serve_command_from_json(v, at.source);
    };
    t["rag.checkpoints"] = [](C& c, const json& v, const At& at) {
      c.rag.checkpoints = list_of(v, at, {"base", "dcpt", "sft", "dpo"});
    };
    t["rag.k"] = field(&C::rag, &RagSettings::k);
    t["rag.template"] = field(&C::rag, &RagSettings::prompt_template);
    t["rag.segmenter"] = [](C& c, const json& v, const At& at) { c.rag.segmenter = one_of(v, at, {"jieba", "char", "icu"}); };
    t["rag.k1"] = field(&C::rag, &RagSettings::k1);
    t["rag.b"] = field(&C::rag, &RagSettings::b);
    t["metrics.segmenter"] = [](C& c, const json& v, const At& at) {
      c.metrics.metric.segmenter.kind = one_of(v, at, {"jieba", "char", "icu"});
    };
    t["metrics.hmm"] = [](C& c, const json& v, const At& at) { c.metrics.metric.segmenter.hmm = as<bool>(v, at); };
    t["metrics.bootstrap"] = [](C& c, const json& v, const At& at) { c.metrics.bootstrap = as<int>(v, at); };
    t["metrics.seed"] = [](C& c, const json& v, const At& at) { c.metrics.seed = as<uint64_t>(v, at); };
    t["compare.resamples"] = field(&C::compare, &CompareSettings::resamples);
    t["compare.seed"] = field(&C::compare, &CompareSettings::seed);
    t["compare.alpha"] = field(&C::compare, &CompareSettings::alpha);
    return t;
  }();
  return t;
}

// Visits the leaves of `j` (objects recursed into, except at the table's own keys).
void visit(const json& j, const std::string& prefix, const std::map<std::string, Setter>& table,
           const std::function<void(const std::string&, const json&)>& fn) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string key = prefix.empty() ? it.key() : prefix + "." + it.key();
    if (it->is_object() && !table.count(key))
      visit(*it, key, table, fn);
    else
      fn(key, *it);
  }
}

}  // namespace

PipelineConfig pipeline_config_from_json(const json& merged, const std::string& source) {
  PipelineConfig c;
  const auto& table = setters();
  visit(merged, "", table, [&](const std::string& key, const json& v) {
    auto it = table.find(key);
    if (it == table.end()) throw bad_key(source, key, "unknown setting");
    it->second(c, v, At{source, key});
  });
  for (const char* stage : {"dcpt", "sft", "dpo"})
    if (!c.stages.count(stage)) throw bad_key(source, std::string("stages.") + stage, "missing");
  if (c.eval.batch_size < 1) throw bad_key(source, "eval.batch_size", "must be >= 1");
  if (c.eval.limit < 0) throw bad_key(source, "eval.limit", "must be >= 0");
  if (c.rag.k < 1) throw bad_key(source, "rag.k", "must be >= 1");
  if (c.metrics.bootstrap < 0) throw bad_key(source, "metrics.bootstrap", "must be >= 0");
  if (c.compare.resamples < 1) throw bad_key(source, "compare.resamples", "must be >= 1");
  if (!(c.compare.alpha > 0 && c.compare.alpha < 1)) throw bad_key(source, "compare.alpha", "must be in (0, 1)");
  c.json = merged;
  return c;
}

PipelineConfig load_pipeline_config(const std::string& file, const std::vector<std::string>& overrides) {
  json config = default_pipeline_config();
  if (!file.empty()) config = merge_config(config, read_json_file(file), file, pipeline_free_form_paths());
  for (const auto& o : overrides) apply_override(config, o, pipeline_free_form_paths());
  return pipeline_config_from_json(config, file.empty() ? std::string("config") : file);
}

}  // namespace qb
