// Turns what a run produced (the suites' ScoreReports, training logs, paired comparisons) into the
// one results.json schema of reports/ (docs/RESULTS_SCHEMA.md), straight from the typed reports.
#pragma once

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "metrics/score_report.h"
#include "reports/results.h"

namespace qb {

struct EvalRecord {
  std::string model;            // leaderboard row, e.g. "sft+rag"
  std::string checkpoint_name;  // base, dcpt, sft, dpo
  std::filesystem::path checkpoint_dir;
  bool rag = false;
  ScoreReport report;           // its suite and mode name the evaluation
  std::filesystem::path samples;
};

struct TrainingRecord {
  std::filesystem::path metrics_jsonl;  // the trainer's per-step log
  nlohmann::json summary;
};

struct ComparisonRecord {
  std::string baseline, model, suite, mode;
  ComparisonReport result;
};

struct ResultsInput {
  std::filesystem::path run_dir;  // sample paths are written relative to it
  double alpha = 0.05;            // significance level for the marks
  std::vector<EvalRecord> evals;
  std::map<std::string, TrainingRecord> training;  // by checkpoint name
  std::vector<ComparisonRecord> comparisons;
  nlohmann::json manifest;
};

// One evaluation as results.json holds it (samples relative to run_dir).
reports::Evaluation results_evaluation(const ScoreReport& report, const std::filesystem::path& samples,
                                       const std::filesystem::path& run_dir);

reports::Results build_results(const ResultsInput& in);

// One training log (metrics.jsonl) as a curve: every step line's numeric fields.
reports::TrainingLog training_log(const std::string& stage, const TrainingRecord& t);

}  // namespace qb
