#include <CLI/CLI.hpp>

#include "common/error.h"
#include "harness/commands.h"

namespace qb::cli {

void add_data(CLI::App& app) {
  auto* sub = app.add_subcommand("data", "inspect and validate data files; write the demo world");
  sub->callback([] { throw NotBuiltError("'qilin-bench data' is planned in issue 2 and not built yet"); });
}

}  // namespace qb::cli
