#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "common/error.h"
#include "harness/commands.h"
#include "harness/pipeline.h"
#include "harness/pipeline_config.h"

namespace qb::cli {
namespace {

// SIGTERM (a scheduler, `kill`), SIGINT (Ctrl-C) and SIGHUP stop a run where it stands: every
// file the pipeline writes is written to a temporary and renamed, and a step is finished only
// when its done.json exists, so nothing finished can be half-written and a rerun of the same
// command resumes. The handler says so, then dies of the signal (exit status 128+N, as a shell
// expects); the run lock goes with the process. Only async-signal-safe calls here.
void stop_on_signal(int sig) {
  const char* name = sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "SIGHUP";
  const char* a = "\nqilin-bench: run stopped by ";
  const char* b = "; finished steps are kept: rerun the same command to resume\n";
  (void)!::write(STDERR_FILENO, a, std::strlen(a));
  (void)!::write(STDERR_FILENO, name, std::strlen(name));
  (void)!::write(STDERR_FILENO, b, std::strlen(b));
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

void install_stop_handlers() {
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) {
    struct sigaction sa {};
    sa.sa_handler = stop_on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;
    ::sigaction(sig, &sa, nullptr);
  }
}

}  // namespace

void add_run(CLI::App& app) {
  struct Args {
    std::string target;
    std::string config;
    std::vector<std::string> sets;
    std::string run_dir;
    bool print_config = false;
  };
  auto args = std::make_shared<Args>();
  auto* sub = app.add_subcommand(
      "run", "run the stage graph base -> dcpt -> sft -> dpo, evaluate every checkpoint and write reports");
  sub->add_option("target", args->target, "all | data | base | dcpt | sft | dpo (a stage and what it needs)")
      ->required()
      ->check(CLI::IsMember({"all", "data", "base", "dcpt", "sft", "dpo"}));
  sub->add_option("-c,--config", args->config, "pipeline config JSON (default: the embedded demo world)")
      ->check(CLI::ExistingFile);
  sub->add_option("--set", args->sets, "override one setting, e.g. --set stages.dcpt.epochs=2 (repeatable)");
  sub->add_option("--run-dir", args->run_dir, "where runs are written (default: config run_dir)");
  sub->add_flag("--print-config", args->print_config, "print the effective config and exit");
  sub->footer(
      "Every step is cached by a content hash of its inputs and settings under RUN_DIR/cache: a second run\n"
      "does no work, a killed run resumes. Results: RUN_DIR/results.json, leaderboard.csv, leaderboard.html.");
  sub->callback([args] {
    // The pipeline is one process: under a launcher every rank would run every stage into the
    // same run directory and race on its cache. Refuse before touching anything.
    if (const char* ws = std::getenv("WORLD_SIZE"); ws && *ws && std::string(ws) != "1")
      throw InputError("WORLD_SIZE", ws,
                       fmt::format("`run` is one process (every rank would run every stage into the same run "
                                   "directory); run `qilin-bench run {}` once without a launcher. Data-parallel "
                                   "training is `launch --nproc N -- train ...`, sharded evaluation "
                                   "`eval --shard I/N` (docs/SCALING.md)",
                                   args->target));
    auto sets = args->sets;
    if (!args->run_dir.empty()) sets.push_back("run_dir=" + args->run_dir);
    auto config = load_pipeline_config(args->config, sets);
    if (args->print_config) {
      fmt::print("{}\n", config.json.dump(2));
      return;
    }
    install_stop_handlers();
    PipelineOptions options;
    options.quiet = global_options().quiet;
    options.threads = resolved_threads();
    auto out = run_pipeline(config, args->target, options);
    fmt::print(stderr, "run {}: {} steps ran, {} found in the cache; {}\n", args->target, out.nodes_run,
               out.nodes_cached, out.results.empty() ? out.run_dir.string() : out.results.string());
  });
}

}  // namespace qb::cli
