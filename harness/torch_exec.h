// The light `qilin-bench` binary never loads libtorch (~290 shared libraries, ~0.3-0.7 s to
// start); the subcommands that need it run in the sibling binary `qilin-bench-torch`, which
// this one exec()s with argv unchanged.
#pragma once

#include <string>

namespace CLI {
class App;
}

namespace qb::cli {

// Subcommands that live in qilin-bench-torch (model code, or code that reaches it: gate
// re-scores through the evaluation core), with the descriptions `--help` lists.
struct TorchSubcommand {
  const char* name;
  const char* description;
};
extern const TorchSubcommand kTorchSubcommands[5];

// The subcommand argv names (the first word that is neither an option nor an option's value),
// or "" when there is none.
std::string subcommand_word(int argc, char** argv);

// True when `word` is one of kTorchSubcommands.
bool is_torch_subcommand(const std::string& word);

// Path of qilin-bench-torch: $QILIN_TORCH_BINARY if set, else beside this executable.
std::string torch_binary_path();

// exec()s the torch binary with argv unchanged and OMP_WAIT_POLICY=PASSIVE unless the caller
// set it (libgomp reads it at load time; spin-waiting made 2 threads slower than 1,
// TOOLCHAIN.md). Returns only on failure, with the exit code (1) after printing why.
int exec_torch_binary(char** argv);

// Registers a torch subcommand by name and description only, so `qilin-bench --help` lists it;
// main.cpp hands such a subcommand to the torch binary before parsing.
void add_torch_placeholder(CLI::App& app, const char* name);

}  // namespace qb::cli
