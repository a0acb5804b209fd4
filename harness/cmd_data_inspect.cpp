#include <CLI/CLI.hpp>

#include "common/error.h"
#include "harness/commands.h"

namespace qb::cli {

void add_data_inspect(CLI::App& data) {
  auto* sub = data.add_subcommand("inspect", "validate a data file and print a JSON summary");
  sub->callback([] { throw NotBuiltError("'qilin-bench data inspect' is planned in issue 2"); });
}

}  // namespace qb::cli
