#include "serve/openai_requests.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "serve/api_error.h"

namespace qb::serve {

using nlohmann::json;

namespace {

// The body as a JSON object, or the 400 a client can act on.
json parse_object(const std::string& endpoint, const std::string& body) {
  json j;
  try {
    j = json::parse(body);
  } catch (const json::exception& e) {
    // parse_error, and out_of_range for numbers too large for a double (found by the fuzz test).
    throw ApiError(400, fmt::format("{}: the body is not valid JSON ({})", endpoint, e.what()));
  }
  if (!j.is_object())
    throw ApiError(400, fmt::format("{}: the body must be a JSON object, got {}", endpoint, j.type_name()));
  return j;
}

// Field access that treats JSON null as absent (clients send null for "not set").
const json* field(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return nullptr;
  return &*it;
}

[[noreturn]] void wrong_type(const std::string& endpoint, const std::string& key, const char* want, const json& got) {
  throw bad_field(key, fmt::format("{}: '{}' must be {}, got {}", endpoint, key, want, got.type_name()));
}

std::string get_string(const std::string& endpoint, const json& j, const char* key, bool required) {
  const json* v = field(j, key);
  if (!v) {
    if (required) throw bad_field(key, fmt::format("{}: '{}' is required", endpoint, key));
    return "";
  }
  if (!v->is_string()) wrong_type(endpoint, key, "a string", *v);
  return v->get<std::string>();
}

std::optional<long long> get_int(const std::string& endpoint, const json& j, const char* key, long long lo,
                                 long long hi) {
  const json* v = field(j, key);
  if (!v) return std::nullopt;
  if (!v->is_number_integer()) wrong_type(endpoint, key, "an integer", *v);
  const long long x = v->get<long long>();
  if (x < lo || x > hi)
    throw bad_field(key, fmt::format("{}: '{}' must be between {} and {}, got {}", endpoint, key, lo, hi, x));
  return x;
}

std::optional<bool> get_bool(const std::string& endpoint, const json& j, const char* key) {
  const json* v = field(j, key);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) wrong_type(endpoint, key, "a boolean", *v);
  return v->get<bool>();
}

// stop: a string or a list of strings (at most 4, as OpenAI); empty strings are dropped.
std::vector<std::string> get_stop(const std::string& endpoint, const json& j) {
  const json* v = field(j, "stop");
  std::vector<std::string> out;
  if (!v) return out;
  if (v->is_string()) {
    if (!v->get<std::string>().empty()) out.push_back(v->get<std::string>());
    return out;
  }
  if (!v->is_array()) wrong_type(endpoint, "stop", "a string or a list of strings", *v);
  for (size_t i = 0; i < v->size(); ++i) {
    if (!(*v)[i].is_string())
      throw bad_field("stop", fmt::format("{}: 'stop[{}]' must be a string, got {}", endpoint, i, (*v)[i].type_name()));
    if (!(*v)[i].get<std::string>().empty()) out.push_back((*v)[i].get<std::string>());
  }
  return out;
}

// Sampling settings this server cannot honour are refused rather than silently ignored: an
// evaluation that asked for sampling must not get greedy answers without knowing.
void refuse_sampling(const std::string& endpoint, const json& j) {
  if (const json* t = field(j, "temperature")) {
    if (!t->is_number()) wrong_type(endpoint, "temperature", "a number", *t);
    if (t->get<double>() != 0.0)
      throw bad_field("temperature",
                      fmt::format("{}: only greedy decoding is served: 'temperature' must be 0, got {}", endpoint,
                                  t->dump()));
  }
  if (const json* p = field(j, "top_p")) {
    if (!p->is_number()) wrong_type(endpoint, "top_p", "a number", *p);
    if (p->get<double>() != 1.0)
      throw bad_field("top_p", fmt::format("{}: only greedy decoding is served: 'top_p' must be 1, got {}",
                                           endpoint, p->dump()));
  }
  if (auto n = get_int(endpoint, j, "n", 1, 1 << 20); n && *n != 1)
    throw bad_field("n", fmt::format("{}: 'n' must be 1 (one greedy answer per prompt), got {}", endpoint, *n));
  if (auto s = get_bool(endpoint, j, "stream"); s && *s)
    throw bad_field("stream", fmt::format("{}: streaming is not supported: 'stream' must be false", endpoint));
}

std::vector<int64_t> id_list(const std::string& endpoint, const json& a, const std::string& where) {
  std::vector<int64_t> ids;
  ids.reserve(a.size());
  for (size_t k = 0; k < a.size(); ++k) {
    if (!a[k].is_number_integer())
      throw bad_field("prompt", fmt::format("{}: '{}[{}]' must be an integer token id, got {}", endpoint, where, k,
                                            a[k].type_name()));
    ids.push_back(a[k].get<int64_t>());
  }
  if (ids.empty()) throw bad_field("prompt", fmt::format("{}: '{}' is an empty token list", endpoint, where));
  return ids;
}

// prompt: "text" | ["text", ...] | [id, ...] | [[id, ...], ...]
std::vector<Prompt> get_prompts(const std::string& endpoint, const json& j) {
  const json* v = field(j, "prompt");
  if (!v) throw bad_field("prompt", fmt::format("{}: 'prompt' is required", endpoint));
  std::vector<Prompt> out;
  if (v->is_string()) {
    out.push_back({false, v->get<std::string>(), {}});
    return out;
  }
  const char* shapes = "a string, a list of strings, a list of token ids or a list of token-id lists";
  if (!v->is_array()) wrong_type(endpoint, "prompt", shapes, *v);
  if (v->empty()) throw bad_field("prompt", fmt::format("{}: 'prompt' is an empty list", endpoint));
  const json& first = (*v)[0];
  if (first.is_number_integer()) {
    out.push_back({true, "", id_list(endpoint, *v, "prompt")});
    return out;
  }
  for (size_t i = 0; i < v->size(); ++i) {
    const json& p = (*v)[i];
    const std::string where = fmt::format("prompt[{}]", i);
    if (first.is_string() && p.is_string()) {
      out.push_back({false, p.get<std::string>(), {}});
    } else if (first.is_array() && p.is_array()) {
      out.push_back({true, "", id_list(endpoint, p, where)});
    } else {
      throw bad_field("prompt", fmt::format("{}: '{}' is {} but 'prompt' must be {} (not mixed)", endpoint, where,
                                            p.type_name(), shapes));
    }
  }
  return out;
}

}  // namespace

CompletionRequest parse_completion_request(const std::string& body) {
  const std::string ep = "POST /v1/completions";
  const json j = parse_object(ep, body);
  CompletionRequest r;
  r.model = get_string(ep, j, "model", true);
  r.prompts = get_prompts(ep, j);
  if (auto m = get_int(ep, j, "max_tokens", 0, 1 << 24)) r.max_tokens = static_cast<int>(*m);
  if (auto e = get_bool(ep, j, "echo")) r.echo = *e;
  if (auto l = get_int(ep, j, "logprobs", 0, kMaxTopLogprobs)) r.logprobs = static_cast<int>(*l);
  r.stop = get_stop(ep, j);
  refuse_sampling(ep, j);
  if (r.max_tokens == 0 && !r.echo)
    throw bad_field("max_tokens", fmt::format("{}: 'max_tokens' is 0 without 'echo': nothing to return", ep));
  return r;
}

ChatRequest parse_chat_request(const std::string& body) {
  const std::string ep = "POST /v1/chat/completions";
  const json j = parse_object(ep, body);
  ChatRequest r;
  r.model = get_string(ep, j, "model", true);
  const json* msgs = field(j, "messages");
  if (!msgs) throw bad_field("messages", fmt::format("{}: 'messages' is required", ep));
  if (!msgs->is_array()) wrong_type(ep, "messages", "a list of messages", *msgs);
  if (msgs->empty()) throw bad_field("messages", fmt::format("{}: 'messages' is an empty list", ep));
  for (size_t i = 0; i < msgs->size(); ++i) {
    const json& m = (*msgs)[i];
    const std::string where = fmt::format("messages[{}]", i);
    if (!m.is_object()) throw bad_field("messages", fmt::format("{}: '{}' must be an object, got {}", ep, where, m.type_name()));
    auto role = m.find("role");
    auto content = m.find("content");
    if (role == m.end() || !role->is_string())
      throw bad_field("messages", fmt::format("{}: '{}.role' must be a string", ep, where));
    const std::string rs = role->get<std::string>();
    if (rs != "system" && rs != "user" && rs != "assistant")
      throw bad_field("messages", fmt::format("{}: '{}.role' must be system, user or assistant, got '{}'", ep, where, rs));
    if (content == m.end() || !content->is_string())
      throw bad_field("messages", fmt::format("{}: '{}.content' must be a string", ep, where));
    r.messages.emplace_back(rs, content->get<std::string>());
  }
  // max_completion_tokens is the newer name of max_tokens.
  if (auto m = get_int(ep, j, "max_tokens", 1, 1 << 24)) r.max_tokens = static_cast<int>(*m);
  if (auto m = get_int(ep, j, "max_completion_tokens", 1, 1 << 24)) r.max_tokens = static_cast<int>(*m);
  r.stop = get_stop(ep, j);
  refuse_sampling(ep, j);
  if (auto l = get_bool(ep, j, "logprobs"); l && *l)
    throw bad_field("logprobs", fmt::format("{}: 'logprobs' is not supported for chat; use /v1/completions", ep));
  return r;
}

TokenizeRequest parse_tokenize_request(const std::string& body) {
  const std::string ep = "POST /tokenize";
  const json j = parse_object(ep, body);
  TokenizeRequest r;
  r.model = get_string(ep, j, "model", false);
  r.prompt = get_string(ep, j, "prompt", true);
  if (auto a = get_bool(ep, j, "add_special_tokens")) r.add_special_tokens = *a;
  return r;
}

DetokenizeRequest parse_detokenize_request(const std::string& body) {
  const std::string ep = "POST /detokenize";
  const json j = parse_object(ep, body);
  DetokenizeRequest r;
  r.model = get_string(ep, j, "model", false);
  const json* t = field(j, "tokens");
  if (!t) throw bad_field("tokens", fmt::format("{}: 'tokens' is required", ep));
  if (!t->is_array()) wrong_type(ep, "tokens", "a list of token ids", *t);
  for (size_t k = 0; k < t->size(); ++k) {
    if (!(*t)[k].is_number_integer())
      throw bad_field("tokens", fmt::format("{}: 'tokens[{}]' must be an integer token id, got {}", ep, k,
                                            (*t)[k].type_name()));
    r.tokens.push_back((*t)[k].get<int64_t>());
  }
  return r;
}

void check_model_name(const std::string& endpoint, const std::string& requested, const std::string& served,
                      bool required) {
  if (requested.empty() && !required) return;
  if (requested != served)
    throw ApiError(404, fmt::format("{}: the model '{}' does not exist; this server serves '{}'", endpoint, requested,
                                    served),
                   "invalid_request_error", "model", "model_not_found");
}

void check_token_ids(const std::string& endpoint, const std::string& param, const std::string& where,
                     const std::vector<int64_t>& ids, int64_t vocab_size) {
  for (size_t k = 0; k < ids.size(); ++k)
    if (ids[k] < 0 || ids[k] >= vocab_size)
      throw bad_field(param, fmt::format("{}: {}: token id {} at position {} is outside the vocabulary [0, {})",
                                         endpoint, where, ids[k], k, vocab_size));
}

void check_context_length(const std::string& endpoint, size_t prompt_index, size_t prompt_tokens, int max_tokens,
                          int64_t max_model_len) {
  if (static_cast<int64_t>(prompt_tokens) + max_tokens > max_model_len)
    throw bad_field("prompt",
                    fmt::format("{}: prompt {} has {} tokens and max_tokens is {}: together {} exceed the model's "
                                "context of {} tokens",
                                endpoint, prompt_index, prompt_tokens, max_tokens,
                                static_cast<int64_t>(prompt_tokens) + max_tokens, max_model_len));
}

}  // namespace qb::serve
