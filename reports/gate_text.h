// The words every gate writer uses for one row, so the terminal, JUnit, Markdown and GitHub
// annotations say the same thing: what changed, by how much against which tolerance, with the
// intervals results.json recorded and the paired test's p-value.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "reports/gate_report.h"

namespace qb::reports {

// "sft cmexam/generate acc worsened by 11.290 points (tolerance 1.00): 21.774 [14.9, 30.1] →
// 10.484 [6.2, 17.1]; mcnemar-exact p = 0.0002 < alpha 0.05: a real regression". One line.
std::string gate_row_sentence(const GateRow& row, double alpha);

// The same as labelled lines (model, suite, mode, metric, baseline, current, change, tolerance,
// test, p-value, verdict, signature), for a failure's body.
std::string gate_row_details(const GateRow& row, double alpha);

// "[14.872, 30.104]" or "" when absent.
std::string gate_interval(const std::optional<std::pair<double, double>>& interval);

}  // namespace qb::reports
