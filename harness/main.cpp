// qilin-bench: evaluation-and-benchmarking harness for medical LLM pipelines.
// This binary links no libtorch, so the commands that need no model (score, segment, gate, report,
// data, launch, --help, --version) start in milliseconds; run, train, eval and model are
// handed to the sibling qilin-bench-torch with argv unchanged (torch_exec.h).
#include <CLI/CLI.hpp>

#include "harness/cli_app.h"
#include "harness/commands.h"
#include "harness/torch_exec.h"

namespace {

// Help order = the torch binary's (main_torch.cpp).
void add_light_commands(CLI::App& app) {
  using namespace qb::cli;
  add_torch_placeholder(app, "run");
  add_torch_placeholder(app, "train");
  add_torch_placeholder(app, "eval");
  add_score(app);
  add_segment(app);
  add_gate(app);
  add_report(app);
  add_data(app);
  add_torch_placeholder(app, "model");
  add_torch_placeholder(app, "serve");
  add_launch(app);
}

// `eval --backend openai` talks HTTP only: it runs here, with the real eval command in place of
// the placeholder, and never loads libtorch.
void add_light_commands_with_eval(CLI::App& app) {
  using namespace qb::cli;
  add_torch_placeholder(app, "run");
  add_torch_placeholder(app, "train");
  add_eval(app);
  add_score(app);
  add_segment(app);
  add_gate(app);
  add_report(app);
  add_data(app);
  add_torch_placeholder(app, "model");
  add_torch_placeholder(app, "serve");
  add_launch(app);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string word = qb::cli::subcommand_word(argc, argv);
  if (word == "eval" && qb::cli::wants_served_backend(argc, argv))
    return qb::cli::run_cli(argc, argv, add_light_commands_with_eval, nullptr);
  if (qb::cli::is_torch_subcommand(word)) return qb::cli::exec_torch_binary(argv);
  return qb::cli::run_cli(argc, argv, add_light_commands, nullptr);
}
