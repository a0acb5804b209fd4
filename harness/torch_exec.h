// The light `qilin-bench` binary never loads libtorch (~290 shared libraries, ~0.3-0.7 s to
// start); the subcommands that need it run in the sibling binary `qilin-bench-torch`, which
// this one exec()s with argv unchanged.
#pragma once

#include <string>

namespace CLI {
class App;
}

namespace qb::cli {

// Subcommands that live in qilin-bench-torch (they run model code), with the descriptions
// `--help` lists.
struct TorchSubcommand {
  const char* name;
  const char* description;
};
extern const TorchSubcommand kTorchSubcommands[5];

// The subcommand argv names (the first word that is neither an option nor an option's value),
// or "" when there is none.
std::string subcommand_word(int argc, char** argv);

// True when argv asks for a served model ("--backend openai" or "--backend=openai"): such an
// eval needs no libtorch and runs in the light binary.
bool wants_served_backend(int argc, char** argv);

// True when `word` is one of kTorchSubcommands.
bool is_torch_subcommand(const std::string& word);

// Path of qilin-bench-torch: $QILIN_TORCH_BINARY if set, else beside this executable.
std::string torch_binary_path();

// When the user chose no OpenMP wait policy (neither OMP_WAIT_POLICY nor GOMP_SPINCOUNT set),
// sets OMP_WAIT_POLICY=PASSIVE and GOMP_SPINCOUNT=10000 and returns true; otherwise leaves the
// environment alone and returns false. libgomp reads both when it is loaded, so they only take
// effect in a process exec()ed afterwards. Why these values (docs/BENCHMARKS.md, Training):
// the default spin (~300k iterations) takes a core from OpenBLAS's worker (TOOLCHAIN.md: 2
// threads 1.5-2.5x slower than 1); pure PASSIVE pays a futex wake-up in each of the ~2,000
// parallel regions of a training step (2 threads 6-8 % slower than 1); a short spin (~0.1 ms)
// catches back-to-back regions and then sleeps.
bool set_default_openmp_wait_env();

// exec()s the torch binary with argv unchanged after set_default_openmp_wait_env(). Returns
// only on failure, with the exit code (1) after printing why.
int exec_torch_binary(char** argv);

// Registers a torch subcommand by name and description only, so `qilin-bench --help` lists it;
// main.cpp hands such a subcommand to the torch binary before parsing.
void add_torch_placeholder(CLI::App& app, const char* name);

}  // namespace qb::cli
