#include "reports/gate_text.h"

#include <fmt/format.h>

#include <cmath>

namespace qb::reports {

std::string gate_interval(const std::optional<std::pair<double, double>>& interval) {
  return interval ? fmt::format("[{:.3f}, {:.3f}]", interval->first, interval->second) : "";
}

namespace {

std::string value_with_interval(double v, const std::optional<std::pair<double, double>>& interval) {
  const std::string i = gate_interval(interval);
  return fmt::format("{:.3f}", v) + (i.empty() ? "" : " " + i);
}

std::string test_clause(const GateRow& row, double alpha) {
  if (!row.p_value) return "no paired test (no per-sample logs on both sides)";
  return fmt::format("{} p = {:.4g} {} alpha {}", row.test, *row.p_value, *row.p_value < alpha ? "<" : ">=", alpha);
}

}  // namespace

std::string gate_row_sentence(const GateRow& row, double alpha) {
  const std::string what = row.model + " " + row.suite + "/" + row.mode + " " + row.metric;
  if (!row.current)
    return what + " is missing from the current run (baseline " + value_with_interval(row.baseline, row.baseline_interval) + ")";
  const std::string values = value_with_interval(row.baseline, row.baseline_interval) + " \xE2\x86\x92 " +
                             value_with_interval(*row.current, row.current_interval);
  if (row.change >= 0) return fmt::format("{} changed by {:+.3f}: {}; ok", what, row.change + 0.0, values);  // no "-0.000"
  const std::string drop = fmt::format("{} worsened by {:.3f} points (tolerance {:.2f}): {}", what, -row.change,
                                       row.tolerance, values);
  if (row.verdict == "within tolerance") return drop + "; within tolerance";
  if (row.verdict == "not significant") return drop + "; " + test_clause(row, alpha) + ": not a significant drop";
  return drop + "; " + test_clause(row, alpha) + ": a real regression";
}

std::string gate_row_details(const GateRow& row, double alpha) {
  std::string out;
  out += "model:     " + row.model + "\n";
  out += "suite:     " + row.suite + " (" + row.mode + ")\n";
  out += "metric:    " + row.metric + "\n";
  out += "baseline:  " + value_with_interval(row.baseline, row.baseline_interval) + "\n";
  out += "current:   " + (row.current ? value_with_interval(*row.current, row.current_interval) : std::string("missing")) + "\n";
  if (row.current) out += fmt::format("change:    {:+.3f} (tolerance {:.2f}; > 0 is better)\n", row.change + 0.0, row.tolerance);
  out += "test:      " + (row.p_value ? fmt::format("{}, p = {:.4g}, alpha {}", row.test, *row.p_value, alpha)
                                      : std::string("none (no per-sample logs on both sides)")) + "\n";
  out += "verdict:   " + row.verdict + "\n";
  if (!row.signature.empty()) out += "signature: " + row.signature + "\n";
  return out;
}

}  // namespace qb::reports
