#include <CLI/CLI.hpp>

#include "common/error.h"
#include "harness/commands.h"

namespace qb::cli {

void add_eval(CLI::App& app) {
  auto* sub = app.add_subcommand("eval", "evaluate a checkpoint on a suite and write per-sample logs and metrics");
  sub->callback([] { throw NotBuiltError("'qilin-bench eval' is planned in issue 4 and not built yet"); });
}

}  // namespace qb::cli
