#include "backends/openai_logprobs.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <stdexcept>

namespace qb {

using nlohmann::json;

size_t utf8_code_points(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::vector<const json*> choices_by_index(const json& r, size_t n, const std::string& item) {
  if (!r.contains("choices") || !r["choices"].is_array())
    throw std::runtime_error(fmt::format("openai backend: {}: the answer has no 'choices' list", item));
  std::vector<const json*> out(n, nullptr);
  for (const auto& c : r["choices"]) {
    // A single-prompt answer may omit the index.
    const size_t k = c.contains("index") && c["index"].is_number_integer() ? c["index"].get<size_t>() : 0;
    if (k >= n || out[k])
      throw std::runtime_error(
          fmt::format("openai backend: {}: choice index {} is out of range or repeated (asked for {})", item, k, n));
    out[k] = &c;
  }
  for (size_t k = 0; k < n; ++k)
    if (!out[k])
      throw std::runtime_error(fmt::format("openai backend: {}: the answer has no choice with index {}", item, k));
  return out;
}

PromptLogprobs prompt_logprobs(const json& choice, const std::string& item, size_t index) {
  const json* lp = choice.contains("logprobs") ? &choice["logprobs"] : nullptr;
  if (!lp || !lp->is_object() || !lp->contains("token_logprobs") || !(*lp)["token_logprobs"].is_array() ||
      (*lp)["token_logprobs"].empty())
    throw std::runtime_error(fmt::format(
        "openai backend: {}: the server returned no prompt log-probabilities (choice {} has no "
        "logprobs.token_logprobs for echo=true), so it cannot score log-likelihood; use --mode generate",
        item, index));
  PromptLogprobs out;
  const json& tl = (*lp)["token_logprobs"];
  const json tokens = lp->value("tokens", json::array());
  const json top = lp->value("top_logprobs", json::array());
  for (size_t t = 0; t < tl.size(); ++t) {
    out.token_logprobs.push_back(tl[t].is_number() ? tl[t].get<double>() : std::numeric_limits<double>::quiet_NaN());
    // Greedy: the token is the best alternative the server listed at its position.
    bool best = false;
    if (t < top.size() && top[t].is_object() && !top[t].empty() && t < tokens.size() && tokens[t].is_string()) {
      std::string arg;
      double mx = -std::numeric_limits<double>::infinity();
      for (auto it = top[t].begin(); it != top[t].end(); ++it)
        if (it->is_number() && it->get<double>() > mx) mx = it->get<double>(), arg = it.key();
      best = arg == tokens[t].get<std::string>();
    }
    out.is_top.push_back(best);
  }
  if (lp->contains("text_offset") && (*lp)["text_offset"].is_array())
    for (const auto& o : (*lp)["text_offset"]) out.text_offset.push_back(o.is_number_integer() ? o.get<long>() : 0);
  return out;
}

std::pair<size_t, size_t> continuation_span(const PromptLogprobs& lp, size_t context_chars, size_t prompt_chars) {
  const auto& off = lp.text_offset;
  if (off.size() < lp.token_logprobs.size())
    throw std::runtime_error("openai backend: the server sent no text_offset for a text prompt; use --tokenizer");
  size_t end = lp.token_logprobs.size();
  while (end > 1 && off[end - 1] >= static_cast<long>(prompt_chars)) --end;
  size_t begin = 1;  // token 0 has no log-probability
  while (begin < end && off[begin] < static_cast<long>(context_chars)) ++begin;
  // No token starts exactly at the context's end: the one before straddles it.
  if (begin < end && off[begin] > static_cast<long>(context_chars) && begin > 1) --begin;
  if (begin == end && begin > 1 && off[begin - 1] < static_cast<long>(context_chars)) --begin;
  return {begin, end};
}

GenerateResult generation_result(const json& choice, const json& response, bool chat, const std::string& item) {
  GenerateResult g;
  const json* text = nullptr;
  if (chat) {
    if (choice.contains("message") && choice["message"].is_object() && choice["message"].contains("content"))
      text = &choice["message"]["content"];
  } else if (choice.contains("text")) {
    text = &choice["text"];
  }
  if (!text || !text->is_string())
    throw std::runtime_error(fmt::format("openai backend: {}: the answer's choice has no {}", item,
                                         chat ? "message.content" : "text"));
  g.text = text->get<std::string>();
  const std::string reason = choice.value("finish_reason", json("")).is_string()
                                 ? choice.value("finish_reason", std::string())
                                 : std::string();
  g.finish_reason = reason == "length" ? "length" : "stop";
  if (reason == "stop" && choice.contains("stop_reason") && choice["stop_reason"].is_null()) g.finish_reason = "eos";
  if (response.contains("usage") && response["usage"].is_object())
    g.n_tokens = response["usage"].value("completion_tokens", 0);
  return g;
}

}  // namespace qb
