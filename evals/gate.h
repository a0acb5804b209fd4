// Regression gating: compare a current results.json with a baseline, metric by metric.
// A metric fails when it falls by more than its tolerance AND, where both runs have
// per-sample logs, the paired test (McNemar exact / paired bootstrap) says the drop is real.
#pragma once

#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "reports/gate_report.h"  // GateRow, GateReport

namespace qb {

struct GateTolerances {
  double default_points = 1.0;               // allowed drop, in the metric's own units (×100 scale)
  std::map<std::string, double> per_metric;  // metric name -> allowed drop
  double alpha = 0.05;                       // significance level of the paired test
  int resamples = 1000;
  uint64_t seed = 12345;
  double tolerance(const std::string& metric) const;
};

// {"default": 1.0, "metrics": {"acc": 2.0, …}, "alpha": 0.05, "resamples": 1000, "seed": 1}
GateTolerances load_gate_tolerances(const std::filesystem::path& file);

// Throws InputError (exit 2) for unreadable or invalid results files.
GateReport run_gate(const std::filesystem::path& baseline, const std::filesystem::path& current,
                    const GateTolerances& tolerances);

void print_gate_report(const GateReport& report, std::FILE* out);

}  // namespace qb
