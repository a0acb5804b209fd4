// The table `run all` prints at the end: every row's headline numbers, then whether each
// stage gained as the Qilin-Med paper reports, with the paired test behind each verdict.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "evals/paper_claims.h"  // stage_gains
#include "reports/results.h"

namespace qb {

void print_summary(const reports::Results& r, std::FILE* out);

}  // namespace qb
