#include "reports/report_writer.h"

#include "common/atomic_file.h"
#include "reports/leaderboard_csv.h"
#include "reports/leaderboard_html.h"

namespace qb::reports {

WrittenReports write_reports(std::vector<RunResults> runs, const std::filesystem::path& out_dir) {
  make_labels_unique(runs);
  const Leaderboard board = build_leaderboard(runs);
  // Render both before writing either, so a rendering failure leaves the folder untouched.
  const std::string csv = render_leaderboard_csv(board);
  const std::string html = render_leaderboard_html(runs, board);
  WrittenReports out{out_dir / "leaderboard.csv", out_dir / "leaderboard.html"};
  write_file_atomic(out.csv, csv);
  write_file_atomic(out.html, html);
  return out;
}

}  // namespace qb::reports
