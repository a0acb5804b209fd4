#include <CLI/CLI.hpp>

#include "harness/commands.h"

namespace qb::cli {

void add_data(CLI::App& app) {
  auto* sub = app.add_subcommand("data", "inspect and validate data files; write the demo world");
  sub->require_subcommand(1);
  add_data_inspect(*sub);
  add_data_demo(*sub);
}

}  // namespace qb::cli
