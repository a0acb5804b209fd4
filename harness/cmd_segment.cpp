#include <CLI/CLI.hpp>

#include "common/error.h"
#include "harness/commands.h"

namespace qb::cli {

void add_segment(CLI::App& app) {
  auto* sub = app.add_subcommand("segment", "segment stdin lines into tokens (char, jieba, icu)");
  sub->callback([] { throw NotBuiltError("'qilin-bench segment' is planned in issue 3 and not built yet"); });
}

}  // namespace qb::cli
