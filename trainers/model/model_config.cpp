#include "trainers/model/model_config.h"
#include "common/json_number_overflow.h"

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/error.h"

namespace qb {
namespace {

using nlohmann::json;

int64_t required_int(const json& j, const char* key, const std::string& file) {
  auto it = j.find(key);
  if (it == j.end()) throw InputError(file, std::string("key '") + key + "'", "missing");
  if (!it->is_number_integer() || it->get<int64_t>() <= 0)
    throw InputError(file, std::string("key '") + key + "'", "must be a positive integer, got " + it->dump());
  return it->get<int64_t>();
}

int64_t optional_int(const json& j, const char* key, int64_t fallback, const std::string& file) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_number_integer())
    throw InputError(file, std::string("key '") + key + "'", "must be an integer, got " + it->dump());
  return it->get<int64_t>();
}

double optional_number(const json& j, const char* key, double fallback, const std::string& file) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_number() || it->get<double>() <= 0)
    throw InputError(file, std::string("key '") + key + "'", "must be a positive number, got " + it->dump());
  return it->get<double>();
}

// A string setting; null or absent is `fallback`. (nlohmann's value()/get<std::string>() would
// throw its own type_error for a number, which names neither file nor key: found by fuzz_configs.)
std::string optional_string(const json& j, const char* key, const std::string& fallback, const std::string& file,
                            const std::string& where_prefix = "") {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_string())
    throw InputError(file, "key '" + where_prefix + key + "'", "must be a string, got " + it->dump());
  return it->get<std::string>();
}

}  // namespace

int64_t ModelConfig::num_parameters() const {
  const int64_t kv_dim = num_key_value_heads * head_dim();
  const int64_t attn = hidden_size * hidden_size * 2 + hidden_size * kv_dim * 2;
  const int64_t mlp = 3 * hidden_size * intermediate_size;
  const int64_t layer = attn + mlp + 2 * hidden_size;
  const int64_t embed = vocab_size * hidden_size;
  return embed * (tie_word_embeddings ? 1 : 2) + num_hidden_layers * layer + hidden_size;
}

std::string ModelConfig::model_type() const {
  return architecture == Architecture::kBaichuan ? "baichuan" : "llama";
}

std::string canonical_dtype_name(const std::string& name, const std::string& what) {
  if (name == "fp32" || name == "float32" || name == "F32") return "float32";
  if (name == "fp16" || name == "float16" || name == "F16") return "float16";
  if (name == "bf16" || name == "bfloat16" || name == "BF16") return "bfloat16";
  throw InputError(what, "dtype", "'" + name + "' is not one of fp32, fp16, bf16");
}

ModelConfig parse_model_config(const std::string& json_text, const std::string& file) {
  json j;
  try {
    j = json::parse(json_text);
  } catch (const json::parse_error& e) {
    throw InputError(file, "byte " + std::to_string(e.byte), std::string("invalid JSON: ") + e.what());
  } catch (const nlohmann::json::out_of_range& e) {
    const auto o = locate_number_overflow(json_text, e);
    throw InputError(file, "byte " + std::to_string(o.offset + 1), o.problem());
  }
  if (!j.is_object()) throw InputError(file, "top level", "config must be a JSON object");

  ModelConfig c;
  std::string model_type = optional_string(j, "model_type", "llama", file);
  bool baichuan_arch = false;
  if (auto a = j.find("architectures"); a != j.end() && a->is_array())
    for (const auto& name : *a)
      // Baichuan-7B's own config.json spells it BaiChuanForCausalLM.
      if (name == "BaichuanForCausalLM" || name == "BaiChuanForCausalLM") baichuan_arch = true;
  if (model_type == "baichuan" || baichuan_arch) {
    c.architecture = Architecture::kBaichuan;
  } else if (model_type != "llama") {
    throw InputError(file, "key 'model_type'", "'" + model_type + "' is not supported (llama or baichuan)");
  }
  c.vocab_size = required_int(j, "vocab_size", file);
  c.hidden_size = required_int(j, "hidden_size", file);
  c.intermediate_size = required_int(j, "intermediate_size", file);
  c.num_hidden_layers = required_int(j, "num_hidden_layers", file);
  c.num_attention_heads = required_int(j, "num_attention_heads", file);
  c.num_key_value_heads = optional_int(j, "num_key_value_heads", c.num_attention_heads, file);
  c.max_position_embeddings = optional_int(j, "max_position_embeddings", 2048, file);
  c.rms_norm_eps = optional_number(j, "rms_norm_eps", 1e-6, file);
  c.rope_theta = optional_number(j, "rope_theta", 10000.0, file);
  c.initializer_range = optional_number(j, "initializer_range", 0.02, file);
  c.bos_token_id = optional_int(j, "bos_token_id", 1, file);
  c.eos_token_id = optional_int(j, "eos_token_id", 2, file);
  c.pad_token_id = optional_int(j, "pad_token_id", 0, file);
  if (auto t = j.find("tie_word_embeddings"); t != j.end()) {
    if (!t->is_boolean()) throw InputError(file, "key 'tie_word_embeddings'", "must be true or false");
    c.tie_word_embeddings = t->get<bool>();
  }
  if (auto d = j.find("torch_dtype"); d != j.end() && !d->is_null())
    c.torch_dtype = canonical_dtype_name(optional_string(j, "torch_dtype", "", file), file);
  if (auto rs = j.find("rope_scaling"); rs != j.end() && !rs->is_null()) {
    // HF spells the kind "type" (older) or "rope_type"; only linear (position interpolation)
    // is implemented. dynamic (NTK) changes theta with the sequence length, so a KV cache made
    // at one length disagrees with a longer one: refused, like every other kind, by name.
    const std::string type =
        rs->is_object()
            ? optional_string(*rs, "type", optional_string(*rs, "rope_type", "", file, "rope_scaling."), file,
                              "rope_scaling.")
            : std::string();
    if (type != "linear")
      throw InputError(file, "key 'rope_scaling'",
                       "type '" + type + "' is not supported (only 'linear'), got " + rs->dump());
    auto f = rs->find("factor");
    if (f == rs->end() || !f->is_number() || f->get<double>() < 1.0)
      throw InputError(file, "key 'rope_scaling'", "linear scaling needs a 'factor' >= 1, got " + rs->dump());
    c.rope_linear_factor = f->get<double>();
  }
  for (const char* key : {"attention_bias", "mlp_bias"})
    if (auto b = j.find(key); b != j.end() && !b->is_null() && *b != false)
      throw InputError(file, std::string("key '") + key + "'",
                       "biases are not supported (the model's projections have none), got " + b->dump());
  if (auto act = j.find("hidden_act"); act != j.end() && *act != "silu")
    throw InputError(file, "key 'hidden_act'", "only 'silu' (SwiGLU) is supported, got " + act->dump());

  if (c.hidden_size % c.num_attention_heads != 0)
    throw InputError(file, "key 'num_attention_heads'",
                     "hidden_size " + std::to_string(c.hidden_size) + " is not divisible by " +
                         std::to_string(c.num_attention_heads) + " heads");
  if (c.head_dim() % 2 != 0)
    throw InputError(file, "key 'num_attention_heads'", "head dimension must be even for rotary embeddings");
  if (c.num_key_value_heads <= 0 || c.num_attention_heads % c.num_key_value_heads != 0)
    throw InputError(file, "key 'num_key_value_heads'",
                     std::to_string(c.num_key_value_heads) + " does not divide num_attention_heads " +
                         std::to_string(c.num_attention_heads));
  if (c.architecture == Architecture::kBaichuan && c.num_key_value_heads != c.num_attention_heads)
    throw InputError(file, "key 'num_key_value_heads'", "Baichuan's W_pack needs as many key/value heads as heads");
  for (int64_t id : {c.bos_token_id, c.eos_token_id, c.pad_token_id})
    if (id < 0 || id >= c.vocab_size)
      throw InputError(file, "special token ids", "id " + std::to_string(id) + " is outside the vocabulary");
  return c;
}

ModelConfig load_model_config(const std::filesystem::path& path) {
  return parse_model_config(read_file(path), path.string());
}

std::string model_config_to_json(const ModelConfig& c) {
  json j;
  const bool baichuan = c.architecture == Architecture::kBaichuan;
  j["architectures"] = {baichuan ? "BaichuanForCausalLM" : "LlamaForCausalLM"};
  j["model_type"] = c.model_type();
  j["vocab_size"] = c.vocab_size;
  j["hidden_size"] = c.hidden_size;
  j["intermediate_size"] = c.intermediate_size;
  j["num_hidden_layers"] = c.num_hidden_layers;
  j["num_attention_heads"] = c.num_attention_heads;
  if (!baichuan) j["num_key_value_heads"] = c.num_key_value_heads;
  j["max_position_embeddings"] = c.max_position_embeddings;
  j["rms_norm_eps"] = c.rms_norm_eps;
  j["rope_theta"] = c.rope_theta;
  if (c.rope_linear_factor != 1.0) j["rope_scaling"] = {{"type", "linear"}, {"factor", c.rope_linear_factor}};
  j["hidden_act"] = "silu";
  j["initializer_range"] = c.initializer_range;
  j["tie_word_embeddings"] = c.tie_word_embeddings;
  j["bos_token_id"] = c.bos_token_id;
  j["eos_token_id"] = c.eos_token_id;
  j["pad_token_id"] = c.pad_token_id;
  j["torch_dtype"] = c.torch_dtype;
  return j.dump(2) + "\n";
}

}  // namespace qb
