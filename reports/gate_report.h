// What `qilin-bench gate` decided, one row per (model row, suite, mode, metric): the plain data
// that evals/gate.h computes and that every gate writer renders (the terminal table,
// reports/gate_junit.h, reports/gate_markdown.h, reports/github_annotations.h). Kept here so
// the writers depend on nothing but this struct.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace qb {

struct GateRow {
  std::string model, suite, mode, metric;
  double baseline = 0;
  std::optional<double> current;  // nullopt: missing from the current run
  double change = 0;              // current - baseline, signed so that > 0 is better
  double tolerance = 0;
  std::optional<double> p_value;  // paired test, when both runs have samples
  std::string test;               // "mcnemar-exact", "paired-bootstrap" or "none"
  std::string verdict;            // "ok", "within tolerance", "not significant", "REGRESSION", "MISSING"
  bool failed = false;
  // The 95 % intervals results.json records for the two values (absent when not computed).
  std::optional<std::pair<double, double>> baseline_interval, current_interval;
  std::string signature;          // the current value's metric signature ("" when missing)
};

struct GateReport {
  std::vector<GateRow> rows;
  int failures = 0;
  std::string baseline_file, current_file;  // the two results.json compared
  double alpha = 0.05;                      // significance level the verdicts used
};

}  // namespace qb
