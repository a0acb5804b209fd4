// Turns what the pipeline produced (metrics objects of the metrics module, training logs,
// paired comparisons) into the one results.json schema of reports/ (docs/RESULTS_SCHEMA.md).
#pragma once

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "reports/results.h"

namespace qb {

struct EvalRecord {
  std::string model;            // leaderboard row, e.g. "sft+rag"
  std::string checkpoint_name;  // base, dcpt, sft, dpo
  std::filesystem::path checkpoint_dir;
  bool rag = false;
  std::string suite, mode;      // suite as the metrics module names it ("cmexam", "huatuo")
  nlohmann::json metrics;       // metrics.json of the evaluation
  std::filesystem::path samples;
};

struct TrainingRecord {
  std::filesystem::path metrics_jsonl;  // the trainer's per-step log
  nlohmann::json summary;
};

struct ComparisonRecord {
  std::string baseline, model, suite, mode;
  nlohmann::json result;        // compare_accuracy / compare_huatuo object
};

struct ResultsInput {
  std::filesystem::path run_dir;  // sample paths are written relative to it
  double alpha = 0.05;            // significance level for the marks
  std::vector<EvalRecord> evals;
  std::map<std::string, TrainingRecord> training;  // by checkpoint name
  std::vector<ComparisonRecord> comparisons;
  nlohmann::json manifest;
};

// The results.json suite name for a metrics-module suite name ("huatuo" -> "huatuo26m").
std::string results_suite_name(const std::string& suite);

reports::Results build_results(const ResultsInput& in);

// One training log (metrics.jsonl) as a curve: every step line's numeric fields.
reports::TrainingLog training_log(const std::string& stage, const TrainingRecord& t);

}  // namespace qb
