#include "reports/svg_charts.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "reports/html_escape.h"

namespace qb::reports {
namespace {

// A colour-blind-safe palette (Okabe–Ito), in drawing order.
const char* const kPalette[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"};

std::string num(double v) { return fmt::format("{:.1f}", v); }

}  // namespace

std::vector<double> nice_ticks(double lo, double hi, int target) {
  if (!(hi > lo)) return {lo};
  double raw = (hi - lo) / std::max(1, target);
  int exponent = static_cast<int>(std::floor(std::log10(raw)));
  double mag = std::pow(10.0, exponent);
  double m = 10;
  for (double candidate : {1.0, 2.0, 5.0})
    if (candidate * mag >= raw) {
      m = candidate;
      break;
    }
  // Tick k is k·m·10^e, computed from integers so 3 × 5e-05 prints as 0.00015, not 0.00015000000000000001.
  const double scale = std::pow(10.0, std::abs(exponent));
  auto tick = [&](long long k) { return exponent < 0 ? (k * m) / scale : k * m * scale; };
  const double step = m * mag;
  std::vector<double> ticks;
  for (long long k = static_cast<long long>(std::ceil(lo / step - 1e-9)); tick(k) <= hi + step * 1e-9; ++k)
    ticks.push_back(k == 0 ? 0.0 : tick(k));
  return ticks;
}

std::string tick_label(double v) {
  if (v == 0) return "0";
  std::string s = fmt::format("{:.3g}", v);
  return s;
}

std::string line_chart_svg(const std::vector<LineSeries>& series, const LineChartOptions& o) {
  const double left = 54, right = 12, top = 24, bottom = 34;
  const double w = o.width - left - right, h = o.height - top - bottom;
  double x0 = std::numeric_limits<double>::infinity(), x1 = -x0, y0 = x0, y1 = -x0;
  size_t drawn = 0;
  for (const auto& s : series)
    for (const auto& [x, y] : s.points) {
      x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
      ++drawn;
    }
  std::string svg = fmt::format(
      "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {0} {1}\" width=\"{0}\" height=\"{1}\" "
      "role=\"img\" aria-label=\"{2}\"><title>{2}</title>",
      o.width, o.height, html_escape(o.title));
  svg += fmt::format("<text class=\"ct\" x=\"{}\" y=\"15\">{}</text>", num(left), html_escape(o.title));
  if (drawn == 0) {
    svg += fmt::format("<text class=\"empty\" x=\"{}\" y=\"{}\">no points logged</text></svg>", num(left),
                       num(top + h / 2));
    return svg;
  }
  if (x1 == x0) x0 -= 1, x1 += 1;
  if (y1 == y0) {
    double pad = y0 == 0 ? 1 : std::abs(y0) * 0.1;
    y0 -= pad, y1 += pad;
  } else {
    double pad = (y1 - y0) * 0.06;
    y0 -= pad, y1 += pad;
  }
  auto px = [&](double x) { return left + (x - x0) / (x1 - x0) * w; };
  auto py = [&](double y) { return top + (1 - (y - y0) / (y1 - y0)) * h; };

  for (double t : nice_ticks(y0, y1, 4)) {
    if (t < y0 || t > y1) continue;
    svg += fmt::format("<line class=\"grid\" x1=\"{0}\" x2=\"{1}\" y1=\"{2}\" y2=\"{2}\"/>", num(left), num(left + w),
                       num(py(t)));
    svg += fmt::format("<text class=\"yt\" x=\"{}\" y=\"{}\">{}</text>", num(left - 5), num(py(t) + 3.5),
                       tick_label(t));
  }
  for (double t : nice_ticks(x0, x1, 5)) {
    if (t < x0 || t > x1) continue;
    svg += fmt::format("<line class=\"tick\" x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\"/>", num(px(t)),
                       num(top + h), num(top + h + 4));
    svg += fmt::format("<text class=\"xt\" x=\"{}\" y=\"{}\">{}</text>", num(px(t)), num(top + h + 15),
                       tick_label(t));
  }
  svg += fmt::format("<rect class=\"frame\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>", num(left), num(top),
                     num(w), num(h));
  if (!o.x_label.empty())
    svg += fmt::format("<text class=\"xl\" x=\"{}\" y=\"{}\">{}</text>", num(left + w / 2), num(o.height - 3.0),
                       html_escape(o.x_label));
  size_t colour = 0, legend = 0;
  for (const auto& s : series) {
    if (s.points.empty()) continue;
    const char* c = kPalette[colour++ % (sizeof kPalette / sizeof *kPalette)];
    std::string pts;
    for (const auto& [x, y] : s.points) pts += num(px(x)) + "," + num(py(y)) + " ";
    pts.pop_back();
    svg += fmt::format("<polyline class=\"line\" stroke=\"{}\" points=\"{}\"><title>{}</title></polyline>", c, pts,
                       html_escape(s.name));
    if (s.points.size() == 1)
      svg += fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"2.5\" fill=\"{}\"/>", num(px(s.points[0].first)),
                         num(py(s.points[0].second)), c);
    if (series.size() > 1) {
      double ly = top + 10 + 12.0 * legend++;
      svg += fmt::format("<line x1=\"{0}\" x2=\"{1}\" y1=\"{2}\" y2=\"{2}\" stroke=\"{3}\" stroke-width=\"2\"/>",
                         num(left + w - 70), num(left + w - 58), num(ly - 3.5), c);
      svg += fmt::format("<text class=\"lg\" x=\"{}\" y=\"{}\">{}</text>", num(left + w - 54), num(ly),
                         html_escape(s.name));
    }
  }
  return svg + "</svg>";
}

std::string forest_plot_svg(const std::vector<ForestRow>& rows, const std::string& title, const std::string& unit) {
  // Room for the longest label: ~6.8 px per Latin character at 12 px, twice that for CJK (wide) ones.
  double longest = 0;
  for (const auto& r : rows) {
    double w = 0;
    for (size_t i = 0; i < r.label.size();) {
      unsigned char c = static_cast<unsigned char>(r.label[i]);
      size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
      w += len >= 3 ? 12.5 : 6.8;
      i += len;
    }
    longest = std::max(longest, w);
  }
  const double label_w = std::clamp(longest + 16, 90.0, 280.0);
  const double right = 16, top = 26, row_h = 22, bottom = 30, width = label_w + 410;
  const double w = width - label_w - right;
  const double height = top + row_h * std::max<size_t>(rows.size(), 1) + bottom;
  double lo = 0, hi = 0;
  for (const auto& r : rows) {
    for (const auto& v : {r.delta, r.ci_low, r.ci_high, r.published})
      if (v) lo = std::min(lo, *v), hi = std::max(hi, *v);
  }
  if (hi == lo) hi = lo + 1;
  double pad = (hi - lo) * 0.08;
  lo -= pad, hi += pad;
  auto px = [&](double x) { return label_w + (x - lo) / (hi - lo) * w; };

  std::string svg = fmt::format(
      "<svg class=\"chart forest\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {0} {1}\" width=\"{0}\" "
      "height=\"{1}\" role=\"img\" aria-label=\"{2}\"><title>{2}</title>",
      width, num(height), html_escape(title));
  svg += fmt::format("<text class=\"ct\" x=\"{}\" y=\"15\">{}</text>", num(label_w), html_escape(title));
  const double axis_y = top + row_h * std::max<size_t>(rows.size(), 1);
  for (double t : nice_ticks(lo, hi, 6)) {
    if (t < lo || t > hi) continue;
    svg += fmt::format("<line class=\"{0}\" x1=\"{1}\" x2=\"{1}\" y1=\"{2}\" y2=\"{3}\"/>", t == 0 ? "zero" : "grid",
                       num(px(t)), num(top - 4), num(axis_y));
    svg += fmt::format("<text class=\"xt\" x=\"{}\" y=\"{}\">{}{}</text>", num(px(t)), num(axis_y + 14),
                       t > 0 ? "+" : "", tick_label(t));
  }
  svg += fmt::format("<text class=\"xl\" x=\"{}\" y=\"{}\">{}</text>", num(label_w + w / 2), num(axis_y + 27),
                     html_escape(unit));
  bool any_published = std::any_of(rows.begin(), rows.end(), [](const ForestRow& r) { return r.published.has_value(); });
  svg += fmt::format("<text class=\"lg\" x=\"8\" y=\"{}\">● significant ○ not{}</text>", num(axis_y + 27),
                     any_published ? " ◇ paper" : "");
  for (size_t i = 0; i < rows.size(); ++i) {
    const ForestRow& r = rows[i];
    double y = top + row_h * i + row_h / 2;
    svg += fmt::format("<text class=\"fl\" x=\"{}\" y=\"{}\">{}</text>", num(label_w - 8), num(y + 4),
                       html_escape(r.label));
    const char* cls = r.significant ? "est sig" : "est";
    if (r.ci_low && r.ci_high)
      svg += fmt::format("<line class=\"{0}\" x1=\"{1}\" x2=\"{2}\" y1=\"{3}\" y2=\"{3}\"/>", cls, num(px(*r.ci_low)),
                         num(px(*r.ci_high)), num(y));
    if (r.delta)
      svg += fmt::format("<circle class=\"{}\" cx=\"{}\" cy=\"{}\" r=\"4\"><title>{}{}</title></circle>", cls,
                         num(px(*r.delta)), num(y), html_escape(r.label), fmt::format(": {:+.2f}", *r.delta));
    if (r.published) {
      double x = px(*r.published);
      svg += fmt::format(
          "<path class=\"pub\" d=\"M{0} {1}L{2} {3}L{0} {4}L{5} {3}Z\"><title>published {6}</title></path>", num(x),
          num(y - 5), num(x + 5), num(y), num(y + 5), num(x - 5), fmt::format("{:+.1f}", *r.published));
    }
  }
  return svg + "</svg>";
}

}  // namespace qb::reports
