// What a scorer reports, as plain structs: every number with its 95 % interval, its signature
// (sacreBLEU's idea: a string naming everything that changes the number) and the counts it was
// computed from; and what a paired comparison of two runs reports. results.json is built from
// these structs directly (evals/results_builder.h); `to_json` gives the metrics JSON that
// `qilin-bench score` prints and metrics.json holds (docs/METRICS.md), `*_from_json` reads a
// metrics.json back (a cached evaluation).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace qb {

// One reported number.
struct MetricScore {
  double value = 0;                       // percent-like metrics ×100
  std::optional<double> ci_low, ci_high;  // 95 % interval: both or neither
  std::string signature;
  std::map<std::string, int64_t> counts;  // what the value is made of: acc {correct, n}; distinct {unique, total}
};

// One group of an annotation column (CMExam's Disease Group = 感染性疾病 …).
struct GroupScore {
  int64_t n = 0, correct = 0;
  double value = 0, ci_low = 0, ci_high = 0;  // accuracy ×100 with its Wilson interval
};

// One suite scored in one mode.
struct ScoreReport {
  std::string suite;  // "cmexam" | "huatuo26m" | a registered suite's name
  std::string mode;   // "loglik" | "generate"
  int64_t n = 0;      // items scored (empty predictions included, never dropped)
  std::map<std::string, MetricScore> metrics;
  // Item counts beside the metrics: n_multi_answer, extraction_failures (CMExam); n_empty,
  // n_empty_reference (Huatuo). Only keys a suite reports are present.
  std::map<std::string, int64_t> counts;
  // CMExam: annotation column -> group value -> group (present, possibly empty, for CMExam).
  std::optional<std::map<std::string, std::map<std::string, GroupScore>>> breakdown;
  // Suite-specific details carried verbatim into the JSON (Huatuo: bleu_details, bootstrap).
  nlohmann::json details = nlohmann::json::object();

  const MetricScore* find(const std::string& metric) const;
  nlohmann::json to_json() const;
};
ScoreReport score_report_from_json(const nlohmann::json& j);

// One metric of a paired comparison of run B against run A on the same items.
struct PairedDelta {
  double a = 0, b = 0, delta = 0;  // delta = b - a
  std::optional<double> p_value;
  std::string signature;
};

struct ComparisonReport {
  std::string test;  // "mcnemar-exact" | "paired-bootstrap"
  int64_t n = 0;     // paired items
  std::map<std::string, PairedDelta> metrics;
  // mcnemar-exact: a_only_correct, b_only_correct; paired-bootstrap: resamples, seed.
  std::map<std::string, int64_t> counts;
  const PairedDelta* find(const std::string& metric) const;
  // The documented shapes: McNemar flat {"test", "n", "a", "b", "delta", "a_only_correct",
  // "b_only_correct", "p_value"} (one metric, acc); bootstrap {"test", "n", "resamples", "seed",
  // "metrics": {name: {"a", "b", "delta", "p_value", "signature"}}}.
  nlohmann::json to_json() const;
};
ComparisonReport comparison_report_from_json(const nlohmann::json& j);

}  // namespace qb
