// leaderboard.csv: one row per published or measured model, columns as docs/RESULTS_SCHEMA.md lists.
#pragma once

#include <string>

#include "reports/leaderboard.h"

namespace qb::reports {

std::string render_leaderboard_csv(const Leaderboard& board);

// Shortest text that reads back as the same double ("38", "0.0002", "5.74"); "" when absent.
std::string format_number(const std::optional<double>& v);

}  // namespace qb::reports
