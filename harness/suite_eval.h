// Evaluating one checkpoint on one suite: build the suite's requests, let the engine answer
// them in chunks, score through metrics/, and write per-sample logs. `qilin-bench eval` and
// every evaluation node of the pipeline call this one function.
//
// Output folder:
//   samples.jsonl   one line per item, in data order (fields in docs/PIPELINE.md)
//   metrics.json    the metrics module's result object plus {"suite", "mode", "spec"}
//   work/chunk-NNNNNN.jsonl   answers of finished chunks; a killed evaluation resumes after them
#pragma once

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "metrics/huatuo_scorer.h"

namespace qb {

class Engine;

struct SuiteEvalSpec {
  std::string suite = "cmexam";        // "cmexam" or "huatuo"
  std::string mode = "loglik";         // cmexam: "loglik" or "generate"; huatuo: "generate"
  std::filesystem::path data;          // the test file
  std::filesystem::path train_data;    // cmexam few-shot examples (k_shot > 0)
  long limit = 0;                      // first N items; 0 = all
  bool lenient = false;                // skip bad records (each reported in metrics.json "read")
  int shard_index = 0, shard_count = 1;  // evaluate items whose position % count == index
  int k_shot = 0;
  uint64_t seed = 1234;                // few-shot draw and sampling
  std::string continuation = "letter";  // cmexam loglik: "letter" or "text" (cloze)
  int max_new_tokens = 0;              // 0 = the suite's default (cmexam 32, huatuo 256)
  std::string huatuo_template;         // empty = suites/ default "问：{question}\n答："
  int chunk_size = 32;                 // items per resumable chunk

  // Chat models (after SFT) see every prompt as one user turn of their training template:
  // chat_prefix + prompt + chat_suffix (e.g. "<reserved_102>" … "<reserved_103>"). Empty for
  // base and DCPT checkpoints, which were never trained on a template.
  std::string chat_prefix, chat_suffix;

  // Retrieval-augmented evaluation: passages for a query (the question text). Empty = no RAG.
  std::function<std::vector<std::string>(const std::string&)> retrieve;
  std::string rag_template;            // empty = suites/ default
  std::string rag_signature;           // recorded in metrics.json

  HuatuoScoreOptions huatuo_metrics;   // segmenter, BLEU aggregation, bootstrap …
  int metric_threads = 1;

  nlohmann::json to_json() const;      // everything above that changes results (for logs and cache keys)
};

struct SuiteEvalResult {
  nlohmann::json metrics;              // as written to metrics.json
  std::filesystem::path samples;       // samples.jsonl
  long n = 0;
};

// Progress callback: (items done, items total).
using EvalProgress = std::function<void(long, long)>;

SuiteEvalResult evaluate_suite(Engine& engine, const SuiteEvalSpec& spec,
                               const std::filesystem::path& out_dir, const EvalProgress& progress = {});

// Re-scores a samples.jsonl written by evaluate_suite, with no model: the metrics object and,
// for paired comparisons, the scorers. Used by the comparison step and by `gate`.
nlohmann::json rescore_samples(const std::filesystem::path& samples, const std::string& suite,
                               const std::string& mode, const HuatuoScoreOptions& huatuo_metrics);

// Merges the outputs of shards 0..n-1 of one evaluation (each an evaluate_suite folder) into
// `out_dir`: samples in data order, metrics recomputed from the merged per-item statistics —
// never averaged over shards — so the result equals an unsharded evaluation exactly.
SuiteEvalResult merge_eval_shards(const std::vector<std::filesystem::path>& shard_dirs,
                                  const std::filesystem::path& out_dir);

// Paired test of B against A over the same items (matched by id): McNemar (exact) for
// CMExam accuracy, paired bootstrap for every Huatuo metric. Returns the metrics module's
// comparison object.
nlohmann::json compare_samples(const std::filesystem::path& samples_a, const std::filesystem::path& samples_b,
                               const std::string& suite, const std::string& mode,
                               const HuatuoScoreOptions& huatuo_metrics, int resamples, uint64_t seed);

}  // namespace qb
