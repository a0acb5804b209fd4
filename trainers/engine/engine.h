// The inference engine: answers the typed requests of suites/requests.h with a
// checkpoint. No torch in this header.
//
// Log-likelihood: the context is run once and its KV cache is fanned out to all of
// a request's continuations, which run together as one right-padded batch.
// Tokenization boundary: ids are BOS + encode(context) for the context and
// BOS + encode(context + continuation) for each whole; the continuation's scored
// tokens are those of the whole after its longest common prefix with the context
// ids. The shared (run-once) prefix is the shortest such common prefix over the
// continuations. With the char tokenizer encode(a + b) == encode(a) + encode(b), so
// the scored tokens are exactly encode(continuation); a tokenizer that merges
// across the boundary (SentencePiece) still scores a consistent tokenization of
// the whole text (as lm-evaluation-harness does) and only shares less.
//
// Generation: BOS + encode(prompt), left-padded batches with attention masks and
// per-row positions, a KV cache, greedy or seeded temperature/top-p sampling, stop
// strings checked on the decoded text, per-row max_new_tokens; finished rows leave
// the batch. Results do not depend on the batch a request lands in beyond float
// rounding; for a fixed thread count a run is deterministic.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "suites/requests.h"
#include "trainers/model/model_config.h"
#include "trainers/tokenizer/tokenizer.h"

namespace qb {

struct EngineOptions {
  int batch_size = 8;           // rows per forward pass (continuations, or prompts)
  bool prefix_sharing = true;   // false: each continuation runs its whole sequence (the naive baseline)
  bool kv_cache = true;         // false: generation re-runs the whole sequence per token (baseline)
  bool add_bos = true;          // prepend the tokenizer's BOS to every sequence
  // Compute dtype (checkpoint/compute_dtype.h): "auto" (the stored dtype), fp32 or bf16. Float32
  // by default so that library users keep today's numbers; the CLI's --dtype defaults to auto.
  std::string dtype = "float32";
  // A PEFT LoRA adapter directory merged at load (checkpoint/peft_adapter.h); empty: none.
  std::string adapter;
};

// Work counters since construction (for benchmarks and logs).
struct EngineStats {
  int64_t forward_passes = 0;
  int64_t tokens_run = 0;        // positions pushed through the model (padding included)
  int64_t tokens_generated = 0;
};

// The local backend (backends/backend.h).
class Engine : public Backend {
 public:
  // Loads DIR (config.json + safetensors + tokenizer.json). InputError on bad files,
  // or when the tokenizer's vocabulary is larger than the model's.
  explicit Engine(const std::filesystem::path& checkpoint_dir, EngineOptions options = {});
  ~Engine() override;
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  std::vector<LoglikResult> loglik(const std::vector<LoglikRequest>& requests) override;
  std::vector<GenerateResult> generate(const std::vector<GenerateRequest>& requests) override;
  BackendInfo info() const override;       // kind "local", the checkpoint directory, the tokenizer
  nlohmann::json counters() const override;  // stats() as JSON

  // Runs equal-length rows of token ids as one batch (no cache) and returns the last
  // position's logits, row-major [rows x vocab]. For benchmarks and the `model logits` path.
  std::vector<float> last_position_logits(const std::vector<std::vector<int64_t>>& rows);

  const Tokenizer& tokenizer() const;
  const ModelConfig& config() const;
  const EngineStats& stats() const;
  EngineOptions& options();
  // "float32" or "bfloat16": what options.dtype resolved to for this checkpoint.
  const std::string& compute_dtype() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace qb
