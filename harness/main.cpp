// qilin-bench: evaluation-and-benchmarking harness for medical LLM pipelines.
#include <malloc.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "common/error.h"
#include "harness/commands.h"
#include "qilin_version.h"
#include "trainers/compute_threads.h"

namespace {

// libgomp reads OMP_WAIT_POLICY when it is loaded, before main runs, so setting it
// here is too late for this process: re-execute once with it set (TOOLCHAIN.md:
// spin-waiting made 2 threads slower than 1). A user's own value is respected.
// Only subcommands that run tensor math pay for the second start (loading libtorch's ~290
// libraries again); segment, score, data, report and gate never start OpenMP threads.
void ensure_passive_omp_wait(int argc, char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr) return;
  bool tensor_math = false;
  for (int i = 1; i < argc; ++i) {
    if (argv[i][0] == '-') continue;
    for (const char* s : {"run", "train", "eval", "model", "launch"})
      if (std::strcmp(argv[i], s) == 0) tensor_math = true;
    break;  // the first word that is not an option is the subcommand
  }
  if (!tensor_math) return;
  setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
  execv("/proc/self/exe", argv);
  // execv failed: carry on with the policy the process already has.
}

}  // namespace

int main(int argc, char** argv) {
  ensure_passive_omp_wait(argc, argv);
  // glibc returns big tensor buffers to the OS and faults them back in on every
  // step; keeping them cut minor faults 10x (TOOLCHAIN.md).
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);

  CLI::App app{"qilin-bench: train, evaluate and compare medical LLM checkpoints (Qilin-Med pipeline)",
               "qilin-bench"};
  app.set_version_flag("--version", std::string("qilin-bench ") + QILIN_VERSION +
                                        " (commit " + QILIN_GIT_COMMIT + ")");
  app.require_subcommand(1);
  auto& g = qb::cli::global_options();
  app.add_option("-j,--threads", g.threads,
                 "compute threads (default: $QILIN_THREADS, else the number of cores)")
      ->check(CLI::Range(1, 1024));
  app.add_flag("-q,--quiet", g.quiet, "no progress output");
  app.footer("Run 'qilin-bench SUBCOMMAND --help' for a subcommand's options.");

  qb::cli::add_run(app);
  qb::cli::add_train(app);
  qb::cli::add_eval(app);
  qb::cli::add_score(app);
  qb::cli::add_segment(app);
  qb::cli::add_gate(app);
  qb::cli::add_report(app);
  qb::cli::add_data(app);
  qb::cli::add_model(app);
  qb::cli::add_launch(app);

  // Threads are set after parsing and before any subcommand callback runs.
  app.parse_complete_callback([] { qb::set_compute_threads(qb::cli::resolved_threads()); });

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::RuntimeError& e) {
    return e.get_exit_code();  // a subcommand's chosen exit status (e.g. gate's 1), already explained
  } catch (const CLI::ParseError& e) {
    std::cerr << "qilin-bench: error: " << e.what() << "\n"
              << "Run 'qilin-bench --help' (or 'qilin-bench SUBCOMMAND --help') for usage.\n";
    return 2;
  } catch (const qb::InputError& e) {
    std::cerr << "qilin-bench: error: " << e.what() << "\n";
    return 2;
  } catch (const qb::NotBuiltError& e) {
    std::cerr << "qilin-bench: not built yet: " << e.what() << "\n";
    return 3;
  } catch (const std::exception& e) {
    std::cerr << "qilin-bench: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
