// Renders the CSV and HTML leaderboards of one or more runs into a folder (atomic writes).
#pragma once

#include <filesystem>
#include <vector>

#include "reports/leaderboard.h"

namespace qb::reports {

struct WrittenReports {
  std::filesystem::path csv, html;
};

// runs[0] is the main run; the others add their rows (qilin-bench report --compare).
WrittenReports write_reports(std::vector<RunResults> runs, const std::filesystem::path& out_dir);

}  // namespace qb::reports
