#include "harness/torch_exec.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <stdexcept>

namespace qb::cli {

// The descriptions are the torch binary's own (cmd_run.cpp, ...); the test
// LightBinary.HelpEqualsTheTorchBinarysHelp keeps the two listings identical.
const TorchSubcommand kTorchSubcommands[5] = {
    {"run", "run the stage graph base -> dcpt -> sft -> dpo, evaluate every checkpoint and write reports"},
    {"train", "train one stage (dcpt, sft, dpo) from a JSON config (docs/TRAINING.md)"},
    {"eval", "evaluate a checkpoint on a suite and write per-sample logs and metrics"},
    {"model", "init a checkpoint, print logits, describe a checkpoint"},
    {"serve", "serve a checkpoint over the OpenAI-compatible HTTP API"},
};

std::string subcommand_word(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    if (a[0] == '-') {
      // The global options that take a separate value: skip it too.
      if (std::strcmp(a, "-j") == 0 || std::strcmp(a, "--threads") == 0) ++i;
      continue;
    }
    return a;
  }
  return "";
}

bool wants_served_backend(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--backend=openai") == 0) return true;
    if (std::strcmp(argv[i], "--backend") == 0 && i + 1 < argc && std::strcmp(argv[i + 1], "openai") == 0) return true;
  }
  return false;
}

bool is_torch_subcommand(const std::string& word) {
  for (const auto& c : kTorchSubcommands)
    if (word == c.name) return true;
  return false;
}

std::string torch_binary_path() {
  if (const char* env = std::getenv("QILIN_TORCH_BINARY"); env && *env) return env;
  char buf[4096];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "qilin-bench-torch";
  std::string self(buf, static_cast<size_t>(n));
  const size_t slash = self.rfind('/');
  return (slash == std::string::npos ? std::string() : self.substr(0, slash + 1)) + "qilin-bench-torch";
}

bool set_default_openmp_wait_env() {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr || std::getenv("GOMP_SPINCOUNT") != nullptr) return false;
  setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
  // An explicit spin count overrides the policy's (PASSIVE alone means 0 spins).
  setenv("GOMP_SPINCOUNT", "10000", 1);
  return true;
}

int exec_torch_binary(char** argv) {
  set_default_openmp_wait_env();
  const std::string path = torch_binary_path();
  execv(path.c_str(), argv);
  int argc = 0;
  while (argv[argc] != nullptr) ++argc;
  std::cerr << "qilin-bench: error: cannot run " << path << " (needed for '" << subcommand_word(argc, argv)
            << "'): " << std::strerror(errno) << "\n";
  return 1;
}

void add_torch_placeholder(CLI::App& app, const char* name) {
  for (const auto& c : kTorchSubcommands) {
    if (std::strcmp(c.name, name) != 0) continue;
    auto* sub = app.add_subcommand(c.name, c.description);
    sub->callback([name] {
      throw std::logic_error(std::string("subcommand '") + name + "' reached the light binary");
    });
    return;
  }
  throw std::logic_error(std::string("no torch subcommand named ") + name);
}

}  // namespace qb::cli
