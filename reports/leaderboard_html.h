// leaderboard.html: one self-contained page (inline CSS, JS and SVG; no network, no fonts to
// fetch) with the sortable leaderboard, deltas against the base with intervals and significance,
// the paper's published deltas beside the measured ones, CMExam breakdowns by annotation,
// training curves, paired tests, metric signatures and the run manifest.
#pragma once

#include <string>
#include <vector>

#include "reports/leaderboard.h"

namespace qb::reports {

// `runs` are the runs `board` was built from (the first is the main run).
std::string render_leaderboard_html(const std::vector<RunResults>& runs, const Leaderboard& board);

}  // namespace qb::reports
