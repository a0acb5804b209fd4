// The table `run all` prints at the end: every row's headline numbers, then whether each
// stage gained as the Qilin-Med paper reports, with the paired test behind each verdict.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "reports/results.h"

namespace qb {

struct StageGain {
  std::string claim;        // e.g. "DCPT raises CMExam accuracy over base"
  std::string baseline, model, suite, mode, metric;
  bool measured = false;    // both rows and the comparison exist
  double delta = 0;
  double p_value = 1;
  bool significant = false;
  std::string verdict;      // "gain (significant)", "gain (not significant)", "no gain", "not measured"
};

// The paper's claims (SPEC §2) checked against the comparisons in `r`.
std::vector<StageGain> stage_gains(const reports::Results& r);

void print_summary(const reports::Results& r, std::FILE* out);

}  // namespace qb
