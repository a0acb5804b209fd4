#include <CLI/CLI.hpp>

#include "common/error.h"
#include "harness/commands.h"
#include "evals/gate.h"

namespace qb::cli {

// Exit codes: 0 no real regression, 1 a real regression, 2 unusable input (main.cpp maps InputError).
void add_gate(CLI::App& app) {
  struct Args {
    std::string baseline, current, tolerance;
    double alpha = -1;
  };
  auto args = std::make_shared<Args>();
  auto* sub = app.add_subcommand(
      "gate", "fail when a metric fell beyond its tolerance and the paired test says the drop is real");
  sub->add_option("--baseline", args->baseline, "baseline results.json")->required();
  sub->add_option("--current", args->current, "current results.json")->required();
  sub->add_option("--tolerance", args->tolerance,
                  "tolerances JSON: {\"default\": 1.0, \"metrics\": {\"acc\": 2.0}, \"alpha\": 0.05}");
  sub->add_option("--alpha", args->alpha, "significance level of the paired test (default 0.05)");
  sub->footer("Exit status: 0 no real regression, 1 a real regression, 2 unusable input.");
  sub->callback([args] {
    GateTolerances tol = args->tolerance.empty() ? GateTolerances{} : load_gate_tolerances(args->tolerance);
    if (args->alpha > 0) tol.alpha = args->alpha;
    GateReport report = run_gate(args->baseline, args->current, tol);
    print_gate_report(report, stdout);
    if (report.failures > 0) throw CLI::RuntimeError(1);
  });
}

}  // namespace qb::cli
