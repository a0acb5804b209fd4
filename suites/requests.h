// Typed requests a suite hands to a model, and the answers a model gives back
// (the lm-evaluation-harness split: suites build requests, models only answer them).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace qb {

// Score every continuation given one shared context. The engine runs the
// context once and reuses its KV cache for all continuations.
struct LoglikRequest {
  std::string id;
  std::string context;
  std::vector<std::string> continuations;
};

struct LoglikResult {
  std::vector<double> logprob;    // sum of token log-probs of each continuation
  std::vector<int> n_tokens;      // tokens in each continuation
  std::vector<int> n_chars;       // code points in each continuation (for acc_norm)
  std::vector<bool> is_greedy;    // every continuation token was the argmax
};

struct GenerateRequest {
  std::string id;
  std::string prompt;
  int max_new_tokens = 128;
  std::vector<std::string> stop;  // generation ends before the first stop string
  double temperature = 0.0;       // 0 = greedy
  double top_p = 1.0;
  uint64_t seed = 0;
};

struct GenerateResult {
  std::string text;               // stop string excluded
  int n_tokens = 0;
  std::string finish_reason;      // "stop", "length" or "eos"
};

}  // namespace qb
