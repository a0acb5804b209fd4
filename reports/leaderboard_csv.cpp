#include "reports/leaderboard_csv.h"

#include <fmt/format.h>

#include "reports/csv_writer.h"

namespace qb::reports {

std::string format_number(const std::optional<double>& v) {
  if (!v) return "";
  return fmt::format("{}", *v == 0 ? 0.0 : *v);  // no "-0"
}

std::string render_leaderboard_csv(const Leaderboard& board) {
  std::vector<std::string> header = {"source", "run", "model", "stage", "rag", "base"};
  for (const auto& col : board.columns) {
    const std::string id = col.id();
    for (const char* suffix : {"", ":ci_low", ":ci_high", ":delta", ":delta_ci_low", ":delta_ci_high", ":p_value",
                               ":significant"})
      header.push_back(id + suffix);
  }
  std::string out = csv_record(header);
  for (const auto& row : board.rows) {
    std::vector<std::string> fields = {row.published ? "published" : "measured",
                                       row.run,
                                       row.model,
                                       row.stage,
                                       row.rag ? "true" : "false",
                                       row.base};
    for (const auto& col : board.columns) {
      const Cell* c = board.cell(row, col);
      if (!c) {
        fields.insert(fields.end(), 8, "");
        continue;
      }
      fields.push_back(format_number(c->value));
      fields.push_back(format_number(c->ci_low));
      fields.push_back(format_number(c->ci_high));
      fields.push_back(format_number(c->delta));
      fields.push_back(format_number(c->delta_ci_low));
      fields.push_back(format_number(c->delta_ci_high));
      fields.push_back(format_number(c->p_value));
      fields.push_back(c->significant ? (*c->significant ? "true" : "false") : "");
    }
    out += csv_record(fields);
  }
  return out;
}

}  // namespace qb::reports
