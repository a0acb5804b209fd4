// Reading the answers of an OpenAI-compatible server: choices by index, the echoed prompt's
// log-probabilities, the span of a continuation's tokens, a generation. Pure functions over
// JSON (no HTTP), so their rules are tested on fixed bodies. Errors name the item.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "suites/requests.h"

namespace qb {

size_t utf8_code_points(const std::string& s);

// choices[k] for index k = 0..n-1, whatever order the server listed them in. A missing or
// repeated index is a std::runtime_error naming the item.
std::vector<const nlohmann::json*> choices_by_index(const nlohmann::json& response, size_t n, const std::string& item);

struct PromptLogprobs {
  std::vector<double> token_logprobs;  // NaN where the server sent null (the first token)
  std::vector<long> text_offset;       // empty when the server sent none
  std::vector<bool> is_top;            // the token is the best of its top_logprobs
};

// The echoed logprobs of one choice. A server that sends none (llama.cpp's server, or any that
// ignores echo) is a std::runtime_error saying to use generate mode.
PromptLogprobs prompt_logprobs(const nlohmann::json& choice, const std::string& item, size_t index);

// [begin, end) of the continuation's tokens in a text prompt: end excludes tokens at or past the
// prompt's end (a token generated because the server refused max_tokens 0); begin is the token
// starting at the context's end, or the one straddling it. Needs text_offset.
std::pair<size_t, size_t> continuation_span(const PromptLogprobs& lp, size_t context_chars, size_t prompt_chars);

// One generation's text, completion tokens and finish reason ("stop", "length"; "eos" when the
// server says the model ended the text: finish_reason "stop" with stop_reason null, as vLLM and
// qilin-bench serve report it).
GenerateResult generation_result(const nlohmann::json& choice, const nlohmann::json& response, bool chat,
                                 const std::string& item);

}  // namespace qb
