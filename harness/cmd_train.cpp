#include <CLI/CLI.hpp>

#include "common/error.h"
#include "harness/commands.h"

namespace qb::cli {

void add_train(CLI::App& app) {
  auto* sub = app.add_subcommand("train", "train one stage (dcpt, sft, dpo) from a config");
  sub->callback([] { throw NotBuiltError("'qilin-bench train' is planned in issue 5 and not built yet"); });
}

}  // namespace qb::cli
