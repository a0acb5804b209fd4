// qilin-bench report: renders leaderboard.csv and leaderboard.html from results.json alone
// (no model, no data), optionally adding other runs' rows for side-by-side comparison.
#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

#include "common/error.h"
#include "harness/commands.h"
#include "reports/report_writer.h"

namespace qb::cli {
namespace {

struct ReportOptions {
  std::string run;
  std::vector<std::string> compare;
  std::string out;
};

void run_report(const ReportOptions& o) {
  std::vector<reports::RunResults> runs;
  runs.push_back(reports::load_run(o.run));
  for (const auto& dir : o.compare) runs.push_back(reports::load_run(dir));
  const std::filesystem::path out = o.out.empty() ? std::filesystem::path(o.run) : std::filesystem::path(o.out);
  auto written = reports::write_reports(std::move(runs), out);
  if (!global_options().quiet) std::cout << "wrote " << written.csv.string() << "\nwrote " << written.html.string() << "\n";
}

}  // namespace

void add_report(CLI::App& app) {
  auto opts = std::make_shared<ReportOptions>();
  auto* sub = app.add_subcommand("report", "render results.json into CSV and HTML leaderboards");
  sub->add_option("--run", opts->run, "run folder holding results.json")->required();
  sub->add_option("--compare", opts->compare, "other run folders whose rows are added (repeatable)")
      ->take_all();
  sub->add_option("--out", opts->out, "output folder for leaderboard.csv and leaderboard.html (default: --run)");
  sub->footer("Reads DIR/results.json only (schema: docs/RESULTS_SCHEMA.md); an invalid file exits 2 naming the "
              "JSON path.");
  sub->callback([opts] { run_report(*opts); });
}

}  // namespace qb::cli
