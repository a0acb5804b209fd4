// What the server needs from a model, with no torch and no HTTP: tokenization, per-token prompt
// log-probabilities (for echo/logprobs) and greedy generation. trainers/serve/engine_runner.h
// implements it with the libtorch engine; the server, its request parsing and its queue only see
// this interface, so they build and can be fuzzed without libtorch.
//
// Thread safety: the server calls score() and generate() from its one engine thread only;
// the tokenizer methods are const and called from the HTTP threads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "suites/requests.h"

namespace qb::serve {

// Log-probabilities of one token sequence under the model. Entry 0 is empty (the first token has
// no context), so every vector has the sequence's length.
struct PromptScore {
  std::vector<double> token_logprob;                           // log p(ids[i] | ids[<i])
  std::vector<std::vector<std::pair<int64_t, double>>> top;    // the top-k (id, logprob), best first
};

class ModelRunner {
 public:
  virtual ~ModelRunner() = default;
  virtual std::vector<int64_t> encode(const std::string& text) const = 0;  // no BOS
  virtual std::string decode(const std::vector<int64_t>& ids) const = 0;   // specials skipped
  // The text of one token for logprobs.tokens: specials by name (e.g. "<s>"), others decoded.
  virtual std::string token_text(int64_t id) const = 0;
  virtual int64_t vocab_size() const = 0;  // the tokenizer's: ids outside [0, vocab) are refused
  virtual int64_t bos_id() const = 0;      // -1 when the model takes no BOS
  virtual int64_t max_model_len() const = 0;
  // The chat markers (trainers/checkpoint/chat_template.h); has_chat_template false for base models.
  virtual bool has_chat_template() const = 0;
  virtual std::string render_chat(const std::vector<std::pair<std::string, std::string>>& role_content) const = 0;

  // Each sequence (ids as given, BOS included when the caller wants one), top-k alternatives per
  // position (k = 0: none). Batched by the implementation.
  virtual std::vector<PromptScore> score(const std::vector<std::vector<int64_t>>& sequences, int top_k) = 0;
  // Greedy generation from token ids (BOS included when wanted); one result per request, whose
  // text excludes any stop string. `prompt` in the requests is unused.
  struct Generation {
    std::vector<int64_t> prompt_ids;
    int max_new_tokens = 16;
    std::vector<std::string> stop;
  };
  virtual std::vector<GenerateResult> generate(const std::vector<Generation>& requests) = 0;
};

}  // namespace qb::serve
