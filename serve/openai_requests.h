// The request bodies the server accepts, parsed and validated into plain structs before anything
// reaches the model. Torch-free and HTTP-free (a string in, a struct or an ApiError out) so it can
// be fuzzed on its own. Every error is a 4xx ApiError whose message names the endpoint, the field
// and what is wrong ("POST /v1/completions: 'max_tokens' must be an integer, got string").
//
// Supported subset of the OpenAI API (docs/SERVING.md): greedy decoding only (temperature absent
// or 0, top_p absent or 1, n absent or 1, no streaming); unknown fields are ignored as OpenAI
// clients send extras (user, seed, …).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "serve/model_runner.h"

namespace qb::serve {

// One prompt: text, or token ids used as given (no BOS added, as vLLM does).
struct Prompt {
  bool is_ids = false;
  std::string text;
  std::vector<int64_t> ids;
};

struct CompletionRequest {
  std::string model;
  std::vector<Prompt> prompts;
  int max_tokens = 16;
  bool echo = false;
  std::optional<int> logprobs;  // top alternatives per token; absent = no logprobs
  std::vector<std::string> stop;
};

struct ChatRequest {
  std::string model;
  std::vector<std::pair<std::string, std::string>> messages;  // (role, content)
  int max_tokens = 16;
  std::vector<std::string> stop;
};

struct TokenizeRequest {
  std::string model;  // may be empty
  std::string prompt;
  bool add_special_tokens = true;
};

struct DetokenizeRequest {
  std::string model;  // may be empty
  std::vector<int64_t> tokens;
};

// The largest `logprobs` accepted (top alternatives per token), as OpenAI's completions API.
inline constexpr int kMaxTopLogprobs = 20;

CompletionRequest parse_completion_request(const std::string& body);
ChatRequest parse_chat_request(const std::string& body);
TokenizeRequest parse_tokenize_request(const std::string& body);
DetokenizeRequest parse_detokenize_request(const std::string& body);

// Checks that are about the model rather than the JSON: the model name, token ids inside the
// vocabulary, prompt + max_tokens within the context. `endpoint` prefixes messages.
void check_model_name(const std::string& endpoint, const std::string& requested, const std::string& served,
                      bool required);
// `where` names the list in messages ("prompt 2", "tokens"); `param` is the error's param.
void check_token_ids(const std::string& endpoint, const std::string& param, const std::string& where,
                     const std::vector<int64_t>& ids, int64_t vocab_size);
void check_context_length(const std::string& endpoint, size_t prompt_index, size_t prompt_tokens, int max_tokens,
                          int64_t max_model_len);

}  // namespace qb::serve
