// The command-line front shared by the two binaries: `qilin-bench` (torch-free: score, segment,
// report, data, launch, --help/--version) and `qilin-bench-torch` (every subcommand). Both build
// the same CLI11 app (same global options, subcommand order, help text and exit codes); the light
// binary hands the torch subcommands to the torch binary before parsing (torch_exec.h).
#pragma once

namespace CLI {
class App;
}

namespace qb::cli {

// Builds the app, lets `add_commands` register the subcommands in help order, parses argv and
// runs the chosen subcommand. `after_parse` (may be null) runs once parsing is complete, before
// any subcommand callback. Returns the process exit code: 0 success, 1 runtime failure (or a
// subcommand's chosen status), 2 bad input or usage, 3 not built yet.
int run_cli(int argc, char** argv, void (*add_commands)(CLI::App&), void (*after_parse)());

}  // namespace qb::cli
