#include <CLI/CLI.hpp>

#include "common/error.h"
#include "harness/commands.h"

namespace qb::cli {

void add_run(CLI::App& app) {
  auto* sub = app.add_subcommand("run", "run the stage graph base -> dcpt -> sft -> dpo and evaluate every checkpoint (run all)");
  sub->callback([] { throw NotBuiltError("'qilin-bench run' is planned in issue 7 and not built yet"); });
}

}  // namespace qb::cli
