// The `openai` backend: a model served over the OpenAI-compatible HTTP API (vLLM, SGLang,
// llama.cpp's llama-server, `qilin-bench serve`), with libcurl and no torch, so `eval --backend
// openai` runs in the light binary.
//
// Log-likelihood: one POST /v1/completions per LoglikRequest, its continuations as the prompt
// list ("context + continuation" each), echo true, logprobs 1, max_tokens 0 (1 when the server
// refuses 0; the generated token is then ignored), temperature 0. A continuation's log-likelihood
// is the sum of token_logprobs over its tokens; it is greedy when each of its tokens is the best
// of top_logprobs. Its tokens are found as the local engine finds them:
//   token ids (a local tokenizer, or the server's /tokenize): the ids of BOS + context + continuation
//     after their longest common prefix with BOS + context;
//   text: the tokens from the one whose text_offset reaches the context's end (a token straddling
//     the boundary counts as continuation).
// Generation: POST /v1/completions (or /v1/chat/completions with `chat`, the prompt as one user
// message) with the request's stop strings and max tokens, temperature 0.
//
// Requests run `concurrency` at a time, spread round-robin over the replicas; connection errors,
// 429 and 5xx are retried with exponential backoff on the next replica; any other 4xx fails the
// evaluation naming the item, the HTTP status and the server's message. Answers are cached on disk
// (response_cache.h), so results never depend on the replica count or on interruptions.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "backends/response_cache.h"

namespace qb {

struct OpenAIOptions {
  std::vector<std::string> base_urls;  // e.g. http://127.0.0.1:8000 (a trailing /v1 is accepted)
  std::string served_model;            // "model" in every request
  std::string api_key;                 // sent as Authorization: Bearer; never logged or cached
  int concurrency = 4;
  double timeout_s = 600;              // per HTTP request
  int max_retries = 5;                 // per request, over all replicas
  double backoff_s = 0.5;              // first retry delay, doubled each time (capped at 30 s)
  bool chat = false;                   // generation via /v1/chat/completions
  std::string cache_dir;               // empty = no disk cache
  // Token ids for loglik prompts: "local" (encode below), "server" (/tokenize) or "none" (text).
  std::string tokenizer_mode = "none";
  std::function<std::vector<int64_t>(const std::string&)> encode;  // local: ids without BOS
  int64_t bos_id = -1;                 // local: prepended when >= 0
  std::string tokenizer_signature;     // local: recorded in BackendInfo
};

class OpenAIBackend : public Backend {
 public:
  // Asks the first reachable replica's GET /v1/models for the served model (its id is recorded);
  // a model the server does not list is a std::runtime_error naming the ones it does.
  explicit OpenAIBackend(OpenAIOptions options);
  ~OpenAIBackend() override;

  std::vector<LoglikResult> loglik(const std::vector<LoglikRequest>& requests) override;
  std::vector<GenerateResult> generate(const std::vector<GenerateRequest>& requests) override;
  BackendInfo info() const override;
  nlohmann::json counters() const override;  // http_requests, cache_hits, retries, by replica

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace qb
