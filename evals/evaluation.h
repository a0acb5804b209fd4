// Evaluating one model on one suite: the suite builds its requests, a backend answers them in
// chunks, the suite scores the answered rows, and the per-sample log and metrics are written.
// `qilin-bench eval` and every evaluation node of the pipeline call run_evaluation, whatever the
// backend (the local engine or a served model).
//
// Output folder:
//   samples.jsonl   one row per item, in data order (suite.h says what a row holds)
//   metrics.json    the suite's ScoreReport as JSON plus "spec" (EvalSpec::to_json), "read" (the
//                   reader's counts and skipped records) and "backend" (who answered)
//   work/chunk-NNNNNN.jsonl   answered rows of finished chunks; a killed evaluation resumes after
//                   them (work/spec.json guards against reusing answers of another spec)
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backends/backend.h"
#include "evals/suite.h"

namespace qb {

// What is put around every request's prompt, in this order: retrieved passages (RAG), then one
// user turn of the model's chat template.
struct PromptWrapping {
  // Passages for a query (the item's question). Empty function = no retrieval.
  std::function<std::vector<std::string>(const std::string&)> retrieve;
  std::string rag_template;   // empty = suites/rag_prompt.h's default
  std::string rag_signature;  // recorded in metrics.json
  // Chat models (after SFT) see every prompt as chat_prefix + prompt + chat_suffix (e.g.
  // "<reserved_102>" … "<reserved_103>"); empty for base and DCPT checkpoints.
  std::string chat_prefix, chat_suffix;
};

struct EvalSpec {
  std::string suite = "cmexam";  // a registered suite name or alias (suite_registry.h)
  SuiteOptions options;
  int shard_index = 0, shard_count = 1;  // evaluate items whose position % count == index
  int chunk_size = 32;                   // items per resumable chunk
  PromptWrapping wrap;
  // Everything that changes results (for logs, metrics.json and cache keys).
  nlohmann::json to_json() const;
};

struct EvalResult {
  ScoreReport report;             // what metrics.json holds, typed
  nlohmann::json metrics;         // metrics.json as written
  std::filesystem::path samples;  // samples.jsonl
  long n = 0;
};

// Progress callback: (items done, items total).
using EvalProgress = std::function<void(long, long)>;

EvalResult run_evaluation(Backend& backend, const EvalSpec& spec, const std::filesystem::path& out_dir,
                          const EvalProgress& progress = {});

// Merges the outputs of shards 0..n-1 of one evaluation (each a run_evaluation folder) into
// `out_dir`: rows in data order, metrics recomputed from the merged rows — never averaged over
// shards — so the result equals an unsharded evaluation exactly.
EvalResult merge_eval_shards(const std::vector<std::filesystem::path>& shard_dirs,
                             const std::filesystem::path& out_dir);

}  // namespace qb
