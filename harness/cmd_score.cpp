#include <CLI/CLI.hpp>

#include "common/error.h"
#include "harness/commands.h"

namespace qb::cli {

void add_score(CLI::App& app) {
  auto* sub = app.add_subcommand("score", "re-score saved predictions without any model");
  sub->callback([] { throw NotBuiltError("'qilin-bench score' is planned in issue 3 and not built yet"); });
}

}  // namespace qb::cli
