#include <CLI/CLI.hpp>

#include <cstdlib>
#include <fstream>
#include <iostream>

#include "common/atomic_file.h"
#include "common/error.h"
#include "harness/commands.h"
#include "evals/gate.h"
#include "reports/gate_junit.h"
#include "reports/gate_markdown.h"
#include "reports/github_annotations.h"

namespace qb::cli {

namespace {

// ---------------------------------------------------------------------------------------------
// CI-native reports of the verdicts (docs/CI.md): --junit FILE, --summary FILE (and
// $GITHUB_STEP_SUMMARY), ::error annotations under GitHub Actions. Rendered by reports/ from the
// GateReport; written before the exit status says whether the gate failed.
// ---------------------------------------------------------------------------------------------
struct GateOutputs {
  std::string junit, summary;
};

void write_gate_outputs(const GateOutputs& o, const GateReport& report) {
  if (!o.junit.empty()) write_file_atomic(o.junit, reports::gate_junit_xml(report));
  const char* step_summary = std::getenv("GITHUB_STEP_SUMMARY");
  const bool to_github = step_summary != nullptr && *step_summary != '\0';
  if (!o.summary.empty() || to_github) {
    const std::string markdown = reports::gate_markdown(report);
    // GitHub's summary file collects every step's Markdown: append, never replace.
    const bool same = to_github && !o.summary.empty() &&
                      std::filesystem::weakly_canonical(o.summary) == std::filesystem::weakly_canonical(step_summary);
    if (!o.summary.empty() && !same) write_file_atomic(o.summary, markdown);
    if (to_github) {
      std::ofstream out(step_summary, std::ios::binary | std::ios::app);
      if (out) out << markdown;
      if (!out) std::cerr << "qilin-bench: warning: cannot append the summary to $GITHUB_STEP_SUMMARY (" << step_summary << ")\n";
    }
  }
  const char* actions = std::getenv("GITHUB_ACTIONS");
  if (actions != nullptr && std::string(actions) == "true") std::cout << reports::github_error_annotations(report) << std::flush;
}
// ---------------------------------------------------------------------------------------------

}  // namespace

// Exit codes: 0 no real regression, 1 a real regression, 2 unusable input (main.cpp maps InputError).
void add_gate(CLI::App& app) {
  struct Args {
    std::string baseline, current, tolerance;
    double alpha = -1;
    GateOutputs outputs;
  };
  auto args = std::make_shared<Args>();
  auto* sub = app.add_subcommand(
      "gate", "fail when a metric fell beyond its tolerance and the paired test says the drop is real");
  sub->add_option("--baseline", args->baseline, "baseline results.json")->required();
  sub->add_option("--current", args->current, "current results.json")->required();
  sub->add_option("--tolerance", args->tolerance,
                  "tolerances JSON: {\"default\": 1.0, \"metrics\": {\"acc\": 2.0}, \"alpha\": 0.05}");
  sub->add_option("--alpha", args->alpha, "significance level of the paired test (default 0.05)");
  sub->add_option("--junit", args->outputs.junit,
                  "also write the verdicts as JUnit XML (GitLab, Jenkins, GitHub test reporters)");
  sub->add_option("--summary", args->outputs.summary,
                  "also write them as GitHub-flavoured Markdown (appended to $GITHUB_STEP_SUMMARY whenever it is set)");
  sub->footer(
      "Exit status: 0 no real regression, 1 a real regression, 2 unusable input.\n"
      "With GITHUB_ACTIONS=true each failure is also printed as an ::error annotation.");
  sub->callback([args] {
    GateTolerances tol = args->tolerance.empty() ? GateTolerances{} : load_gate_tolerances(args->tolerance);
    if (args->alpha > 0) tol.alpha = args->alpha;
    GateReport report = run_gate(args->baseline, args->current, tol);
    print_gate_report(report, stdout);
    std::fflush(stdout);
    write_gate_outputs(args->outputs, report);
    if (report.failures > 0) throw CLI::RuntimeError(1);
  });
}

}  // namespace qb::cli
