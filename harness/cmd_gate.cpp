#include <CLI/CLI.hpp>

#include "common/error.h"
#include "harness/commands.h"

namespace qb::cli {

void add_gate(CLI::App& app) {
  auto* sub = app.add_subcommand("gate", "fail when a metric regressed beyond tolerance and the paired test says it is real");
  sub->callback([] { throw NotBuiltError("'qilin-bench gate' is planned in issue 7 and not built yet"); });
}

}  // namespace qb::cli
