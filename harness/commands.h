// The qilin-bench subcommands. Each lives in its own cmd_*.cpp and adds itself
// to the CLI with one add_* function; main.cpp only calls them in order.
#pragma once

namespace CLI {
class App;
}

namespace qb::cli {

// Options every subcommand sees (set before any callback runs).
struct GlobalOptions {
  int threads = 0;     // compute threads; 0 = from QILIN_THREADS or the core count
  bool quiet = false;  // no progress output
};
GlobalOptions& global_options();

// The effective thread count: --threads, else $QILIN_THREADS, else the core count.
int resolved_threads();

void add_run(CLI::App& app);
void add_train(CLI::App& app);
void add_eval(CLI::App& app);
void add_score(CLI::App& app);
void add_segment(CLI::App& app);
void add_gate(CLI::App& app);
void add_report(CLI::App& app);
void add_data(CLI::App& app);
void add_data_inspect(CLI::App& data);  // data inspect
void add_data_demo(CLI::App& data);     // data demo
void add_model(CLI::App& app);
void add_serve(CLI::App& app);
void add_launch(CLI::App& app);

}  // namespace qb::cli
