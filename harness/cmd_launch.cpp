#include <CLI/CLI.hpp>

#include "common/error.h"
#include "harness/commands.h"

namespace qb::cli {

void add_launch(CLI::App& app) {
  auto* sub = app.add_subcommand("launch", "start N ranks on one machine (data-parallel training, sharded eval)");
  sub->callback([] { throw NotBuiltError("'qilin-bench launch' is planned in issue 9 and not built yet"); });
}

}  // namespace qb::cli
