// qilin-bench-torch: every qilin-bench subcommand, including those that run model code
// (run, train, eval, model). The light `qilin-bench` exec()s this binary for those; it can
// also be run directly.
#include <malloc.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>

#include "harness/cli_app.h"
#include "harness/commands.h"
#include "harness/local_backend.h"
#include "harness/torch_exec.h"
#include "trainers/compute_threads.h"

namespace {

// libgomp reads OMP_WAIT_POLICY and GOMP_SPINCOUNT when it is loaded, before main runs, so
// setting them here is too late for this process: re-execute once with them set
// (set_default_openmp_wait_env says why these values). The light qilin-bench sets them before
// exec'ing this binary, so this restart only happens when the torch binary is started
// directly. A user's own values are respected.
void ensure_openmp_wait_env(int argc, char** argv) {
  const std::string word = qb::cli::subcommand_word(argc, argv);
  if (!qb::cli::is_torch_subcommand(word) && word != "launch") return;
  if (!qb::cli::set_default_openmp_wait_env()) return;
  execv("/proc/self/exe", argv);
  // execv failed: carry on with the policy the process already has.
}

void add_all_commands(CLI::App& app) {
  using namespace qb::cli;
  add_run(app);
  add_train(app);
  add_eval(app);
  add_score(app);
  add_segment(app);
  add_gate(app);
  add_report(app);
  add_data(app);
  add_model(app);
  add_serve(app);
  add_launch(app);
}

}  // namespace

int main(int argc, char** argv) {
  ensure_openmp_wait_env(argc, argv);
  qb::cli::set_local_backend_factory(&qb::cli::make_local_engine);
  // glibc returns big tensor buffers to the OS and faults them back in on every
  // step; keeping them cut minor faults 10x (TOOLCHAIN.md).
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  return qb::cli::run_cli(argc, argv, add_all_commands,
                          [] { qb::set_compute_threads(qb::cli::resolved_threads()); });
}
