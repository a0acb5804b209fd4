#include <CLI/CLI.hpp>

#include "common/error.h"
#include "harness/commands.h"

namespace qb::cli {

void add_model(CLI::App& app) {
  auto* sub = app.add_subcommand("model", "init a checkpoint, print logits, describe a checkpoint");
  sub->callback([] { throw NotBuiltError("'qilin-bench model' is planned in issue 4 and not built yet"); });
}

}  // namespace qb::cli
