#include "reports/gate_markdown.h"

#include <fmt/format.h>

#include "reports/gate_text.h"

namespace qb::reports {

std::string markdown_cell(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '|': out += "\\|"; break;
      case '\\': out += "\\\\"; break;
      case '\n': case '\r': out += ' '; break;
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string gate_markdown(const GateReport& report) {
  std::string out;
  if (report.failures > 0)
    out += fmt::format("## :x: qilin-bench gate: {} regression(s)\n\n", report.failures);
  else
    out += "## :white_check_mark: qilin-bench gate: no regression\n\n";
  out += fmt::format("{} metric(s) of `{}` compared with the baseline `{}` (paired tests at alpha {}).\n\n",
                     report.rows.size(), markdown_cell(report.current_file), markdown_cell(report.baseline_file),
                     report.alpha);
  if (report.failures > 0) {
    out += "### Regressions\n\n";
    for (const GateRow& row : report.rows)
      if (row.failed) out += "- **" + markdown_cell(row.verdict) + "** " + markdown_cell(gate_row_sentence(row, report.alpha)) + "\n";
    out += "\n";
  }
  out += fmt::format("<details{}><summary>All {} metrics</summary>\n\n", report.failures > 0 ? "" : " open", report.rows.size());
  out += "| | model | suite | mode | metric | baseline | current | change | tolerance | p | test | verdict |\n";
  out += "|---|---|---|---|---|---:|---:|---:|---:|---:|---|---|\n";
  for (const GateRow& row : report.rows) {
    const std::string mark = row.failed ? ":x:" : row.verdict == "ok" ? ":white_check_mark:" : ":warning:";
    const std::string base = fmt::format("{:.3f}", row.baseline) +
                             (row.baseline_interval ? " " + gate_interval(row.baseline_interval) : "");
    const std::string cur = row.current ? fmt::format("{:.3f}", *row.current) +
                                              (row.current_interval ? " " + gate_interval(row.current_interval) : "")
                                        : "missing";
    out += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {:.2f} | {} | {} | {} |\n", mark,
                       markdown_cell(row.model), markdown_cell(row.suite), markdown_cell(row.mode),
                       markdown_cell(row.metric), base, cur, row.current ? fmt::format("{:+.3f}", row.change + 0.0) : "",
                       row.tolerance, row.p_value ? fmt::format("{:.4g}", *row.p_value) : "", markdown_cell(row.test),
                       markdown_cell(row.verdict));
  }
  out += "\n</details>\n\n";
  return out;
}

}  // namespace qb::reports
