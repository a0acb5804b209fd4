// results.json: the one file every run writes and every report renders from.
// Plain structs mirroring docs/RESULTS_SCHEMA.md, their JSON (de)serialisation, and a
// validator whose errors name the JSON path ("models[2].evaluations[0].metrics.acc.value")
// so a hand-edited or truncated file is rejected with a message a person can act on.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace qb::reports {

inline constexpr int kResultsSchemaVersion = 1;

// One number with its 95 % interval and the signature naming everything that changes it
// (e.g. "bleu1|tok:jieba-0.42.1|hmm:1|agg:corpus|smooth:none"). Percent-like metrics are ×100.
struct MetricValue {
  double value = 0;
  std::optional<double> ci_low, ci_high;  // both present or both absent
  std::string signature;                  // may be empty for metrics with no options
};

// One group of an annotation column (e.g. Disease Group = 感染性疾病): item count and
// metric values over those items only (usually just "acc").
struct BreakdownGroup {
  long n = 0;
  std::map<std::string, double> metrics;
};

// annotation column -> group value -> group
using Breakdown = std::map<std::string, std::map<std::string, BreakdownGroup>>;

// One checkpoint scored on one suite in one mode.
struct Evaluation {
  std::string suite;  // "cmexam", "huatuo26m", …
  std::string mode;   // "loglik" or "generate"
  long n = 0;         // items scored (empty predictions included, never dropped)
  std::map<std::string, MetricValue> metrics;  // metric name -> value
  std::map<std::string, long> counts;          // n_empty, extraction_failures, …
  Breakdown breakdown;
  std::string samples;  // per-sample log, relative to the results.json folder; may be empty
};

// One logged optimiser step: "step" plus any numeric series (loss, lr, grad_norm,
// rewards/margins, rewards/accuracies, …).
struct CurvePoint {
  long step = 0;
  std::map<std::string, double> values;
};

struct TrainingLog {
  std::string stage;  // "dcpt", "sft", "dpo"
  std::vector<CurvePoint> curve;
  nlohmann::json summary = nlohmann::json::object();  // flat object of scalars
};

// One leaderboard row: a checkpoint (optionally with retrieval) and everything measured on it.
struct ModelResult {
  std::string name;   // unique within the file, e.g. "sft+rag"
  std::string stage;  // "base", "dcpt", "sft", "dpo" (free text allowed for other stages)
  std::string base;   // the model this row's deltas are measured against; empty for the base itself
  bool rag = false;
  std::string checkpoint;  // path or identifier; may be empty
  std::vector<Evaluation> evaluations;
  std::optional<TrainingLog> training;
};

// A paired test between two models on the same items of one suite/mode/metric.
struct Comparison {
  std::string baseline, model, suite, mode, metric;
  long n = 0;  // paired items; 0 when not recorded
  double delta = 0;
  std::optional<double> ci_low, ci_high;
  std::optional<double> p_value;
  std::string test;  // "mcnemar-exact" or "paired-bootstrap"
  bool significant = false;
};

struct Results {
  int schema_version = kResultsSchemaVersion;
  // Free-form object describing the run; the known keys (docs/RESULTS_SCHEMA.md) are type-checked.
  nlohmann::json manifest = nlohmann::json::object();
  std::vector<ModelResult> models;
  std::vector<Comparison> comparisons;

  const ModelResult* find_model(const std::string& name) const;
};

// Checks a parsed results.json against the schema. Throws qb::InputError(file, JSON path, problem),
// e.g. "run/results.json: models[1].base: names no model in this file ('bsae')".
void validate_results_json(const nlohmann::json& j, const std::string& file);

// JSON <-> structs. results_from_json validates first, so it throws the same InputError.
Results results_from_json(const nlohmann::json& j, const std::string& file);
nlohmann::json results_to_json(const Results& r);

// Reads, parses (syntax errors name line and column) and validates a results.json.
Results load_results(const std::filesystem::path& path);

// Validates (so a writer cannot produce a file the reader rejects) and writes atomically,
// pretty-printed with two-space indentation and a final newline.
void save_results(const std::filesystem::path& path, const Results& r);

}  // namespace qb::reports
