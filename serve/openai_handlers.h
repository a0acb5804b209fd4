// The endpoints' logic, with no HTTP: a request body in, a response JSON out (or an ApiError).
// http_server.cpp routes requests here; tests and fuzzers can call it directly with a runner.
//
//   GET  /v1/models            the one served model
//   POST /v1/completions       prompts as text or token ids; echo, logprobs, max_tokens (0 with echo), stop
//   POST /v1/chat/completions  messages rendered with the checkpoint's chat template
//   POST /tokenize, /detokenize   vLLM's shapes
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "serve/engine_queue.h"
#include "serve/model_runner.h"

namespace qb::serve {

class OpenAIHandlers {
 public:
  OpenAIHandlers(ModelRunner& runner, EngineQueue& queue, std::string served_model);

  nlohmann::json models() const;
  nlohmann::json completions(const std::string& body);
  nlohmann::json chat(const std::string& body);
  nlohmann::json tokenize(const std::string& body) const;
  nlohmann::json detokenize(const std::string& body) const;

  const std::string& served_model() const { return served_model_; }

 private:
  ModelRunner& runner_;
  EngineQueue& queue_;
  std::string served_model_;
  int64_t created_;               // server start, as OpenAI's "created" timestamps
  std::atomic<int64_t> next_id_{0};
};

// Code points in UTF-8 text (text_offset counts characters, as Python's len() in vLLM).
size_t utf8_length(const std::string& s);

}  // namespace qb::serve
