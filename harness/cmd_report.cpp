#include <CLI/CLI.hpp>

#include "common/error.h"
#include "harness/commands.h"

namespace qb::cli {

void add_report(CLI::App& app) {
  auto* sub = app.add_subcommand("report", "render results.json into CSV and HTML leaderboards");
  sub->callback([] { throw NotBuiltError("'qilin-bench report' is planned in issue 8 and not built yet"); });
}

}  // namespace qb::cli
