#include <CLI/CLI.hpp>

#include "common/error.h"
#include "harness/commands.h"

namespace qb::cli {

void add_data_demo(CLI::App& data) {
  auto* sub = data.add_subcommand("demo", "write the embedded demo world's data files");
  sub->callback([] { throw NotBuiltError("'qilin-bench data demo' is planned in issue 6"); });
}

}  // namespace qb::cli
