// Inline SVG charts generated in C++ (the HTML report loads nothing from the network):
// line charts for training curves and forest plots for deltas with intervals.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace qb::reports {

// "Nice" axis ticks (1, 2, 5 × 10^k steps) covering [lo, hi], about `target` of them.
std::vector<double> nice_ticks(double lo, double hi, int target);

// Compact tick text: up to 3 significant digits ("0.0002", "1.5e-05", "120").
std::string tick_label(double v);

struct LineSeries {
  std::string name;
  std::vector<std::pair<double, double>> points;  // (x, y), x increasing
};

struct LineChartOptions {
  std::string title, x_label;
  int width = 330, height = 200;
};

// Empty series are skipped; a chart with no points says so instead of drawing axes.
std::string line_chart_svg(const std::vector<LineSeries>& series, const LineChartOptions& options);

struct ForestRow {
  std::string label;
  std::optional<double> delta, ci_low, ci_high;
  bool significant = false;
  std::optional<double> published;  // the paper's delta for the same stage, drawn as a hollow diamond
};

// One row per model: point estimate, interval bar, zero line; significant rows drawn solid.
std::string forest_plot_svg(const std::vector<ForestRow>& rows, const std::string& title, const std::string& unit);

}  // namespace qb::reports
