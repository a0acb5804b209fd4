// A backend answers the typed requests of suites/requests.h and nothing else: it never sees a
// suite, a dataset or a metric (the lm-evaluation-harness split: suites build requests and
// score answers, a model only answers). Implementations:
//   local   the libtorch engine over a checkpoint directory (trainers/engine.h)
//   openai  a model served over the OpenAI-compatible HTTP API (vLLM, SGLang, llama.cpp's
//           server, `qilin-bench serve`)
// Suites never know which one answered; numbers must not depend on it beyond float rounding.
// No torch, no HTTP in this header.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "suites/requests.h"

namespace qb {

// Who answered, as recorded in metrics.json, signatures and manifests. Never holds a secret
// (no API key, no URL credentials).
struct BackendInfo {
  std::string kind;                // "local" | "openai"
  std::string model;               // local: the checkpoint directory; openai: the served model name
  std::string model_id;            // openai: the id the server reports in /v1/models; local: ""
  std::vector<std::string> hosts;  // openai: scheme://host:port of each replica; local: empty
  std::string tokenizer;           // tokenizer signature; "" when the server tokenizes
};

class Backend {
 public:
  virtual ~Backend() = default;
  // One result per request, in request order. An implementation may answer the requests of one
  // call in any order and batch composition.
  virtual std::vector<LoglikResult> loglik(const std::vector<LoglikRequest>& requests) = 0;
  virtual std::vector<GenerateResult> generate(const std::vector<GenerateRequest>& requests) = 0;
  virtual BackendInfo info() const = 0;
  // Work counters since construction (forward passes, tokens, HTTP requests, cache hits …),
  // for logs and benchmarks; never part of a cache key.
  virtual nlohmann::json counters() const { return nlohmann::json::object(); }
};

}  // namespace qb
