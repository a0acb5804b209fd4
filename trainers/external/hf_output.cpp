#include "trainers/external/hf_output.h"

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/error.h"
#include "trainers/checkpoint/checkpoint_layout.h"
#include "trainers/checkpoint/safetensors_header.h"
#include "trainers/external/external_trainer.h"

namespace qb {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json read_json(const fs::path& p) {
  json j = json::parse(read_file(p), nullptr, false);
  if (j.is_discarded()) throw error_in_file(p.string(), "not valid JSON");
  return j;
}

}  // namespace

HfOutput check_hf_output(const fs::path& dir, const std::string& what) {
  HfOutput out;
  out.dir = dir;
  const std::string where = what + " output " + dir.string();
  if (!fs::is_directory(dir)) throw InputError(where, "", "the trainer wrote no output directory");
  if (fs::exists(dir / "adapter_config.json")) {
    out.kind = HfOutputKind::kPeftAdapter;
    const json cfg = read_json(dir / "adapter_config.json");
    if (!cfg.is_object()) throw error_in_file((dir / "adapter_config.json").string(), "not a JSON object");
    const std::string type = cfg.value("peft_type", "");
    if (type != "LORA")
      throw error_in_file((dir / "adapter_config.json").string(),
                          "peft_type '" + type + "' is not supported (only LORA adapters are evaluated)");
    if (!fs::exists(dir / "adapter_model.safetensors"))
      throw InputError(where, "adapter_model.safetensors", "missing (adapter_config.json is there)");
    read_safetensors_header(dir / "adapter_model.safetensors");
    out.adapter_base = cfg.value("base_model_name_or_path", "");
    return out;
  }
  std::vector<std::string> missing;
  if (!fs::exists(dir / "config.json")) missing.push_back("config.json");
  const bool has_weights = fs::exists(dir / "model.safetensors") || fs::exists(dir / "model.safetensors.index.json");
  if (!has_weights) missing.push_back("model.safetensors (or model.safetensors.index.json and its shards)");
  if (!fs::exists(dir / "tokenizer.json") && !fs::exists(dir / "tokenizer.model"))
    missing.push_back("a tokenizer (tokenizer.json or tokenizer.model)");
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
    const std::string hint = fs::exists(dir / "pytorch_model.bin")
                                 ? " (pytorch_model.bin is not read: save with safe_serialization=True)"
                                 : "";
    throw InputError(where, "", "is not a Hugging Face checkpoint or PEFT adapter: missing " + list + hint);
  }
  const CheckpointLayout layout = find_checkpoint_layout(dir);  // every shard of an index present
  for (const auto& shard : layout.shards) read_safetensors_header(shard);
  return out;
}

long trainer_state_to_metrics(const fs::path& dir, const std::string& stage, const fs::path& metrics_jsonl) {
  fs::path state = dir / "trainer_state.json";
  if (!fs::exists(state)) {
    const std::string newest = newest_hf_checkpoint(dir);
    state = newest.empty() ? fs::path() : fs::path(newest) / "trainer_state.json";
  }
  std::string lines;
  long written = 0;
  if (!state.empty() && fs::exists(state)) {
    const json s = read_json(state);
    if (!s.is_object() || !s.contains("log_history") || !s["log_history"].is_array())
      throw error_in_file(state.string(), "has no log_history list (not an HF Trainer state)");
    for (const auto& e : s["log_history"]) {
      if (!e.is_object() || !e.contains("step") || !e["step"].is_number()) continue;
      json line = {{"stage", stage}, {"step", e["step"].get<long>()}};
      json eval = json::object();
      bool final_summary = false;
      for (const auto& [k, v] : e.items()) {
        if (!v.is_number() || k == "step") continue;
        if (k.rfind("train_", 0) == 0 && k != "train_loss") continue;  // runtime, samples/s …
        if (k == "train_loss") final_summary = true;
        if (k.rfind("eval_", 0) == 0)
          eval[k.substr(5)] = v;
        else
          line[k == "learning_rate" ? "lr" : k] = v;
      }
      if (final_summary) continue;  // the end-of-training summary is not a step
      if (!eval.empty()) line = {{"stage", stage}, {"step", e["step"].get<long>()}, {"eval", eval}};
      else ++written;
      lines += line.dump() + "\n";
    }
  }
  write_file_atomic(metrics_jsonl, lines);
  return written;
}

}  // namespace qb
