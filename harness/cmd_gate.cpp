#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <iostream>

#include "common/atomic_file.h"
#include "common/error.h"
#include "harness/commands.h"
#include "evals/gate.h"
#include "evals/paper_claims.h"
#include "reports/results.h"
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

// `gate --claims FILE`: every claim FILE requires must show in the current run as a significant
// gain (the CI guard on the default demo's story, ci/demo-claims.json). Returns how many did not.
int check_required_claims(const std::string& claims_file, const std::string& current) {
  const std::vector<RequiredClaim> required = load_required_claims(claims_file);
  const reports::Results r = reports::load_results(current);
  const std::vector<StageGain> checks = check_claims(r, required);
  int lost = 0;
  fmt::print("claims required by {} in {}:\n", claims_file, current);
  for (const StageGain& g : checks) {
    lost += g.holds() ? 0 : 1;
    if (!g.measured)
      fmt::print("  {:<5} {:<40} {:<8} {:<7} not measured\n", "LOST", g.claim, g.mode, g.metric);
    else
      fmt::print("  {:<5} {:<40} {:<8} {:<7} {:+7.2f}  p={:<7.4f} {}\n", g.holds() ? "held" : "LOST", g.claim, g.mode,
                 g.metric, g.delta, g.p_value, g.verdict);
  }
  fmt::print("{} of {} required claim(s) hold\n", checks.size() - static_cast<size_t>(lost), checks.size());
  return lost;
}

}  // namespace

// Exit codes: 0 no real regression, 1 a real regression, 2 unusable input (main.cpp maps InputError).
void add_gate(CLI::App& app) {
  struct Args {
    std::string baseline, current, tolerance, claims;
    double alpha = -1;
    GateOutputs outputs;
  };
  auto args = std::make_shared<Args>();
  auto* sub = app.add_subcommand(
      "gate", "fail when a metric fell beyond its tolerance and the paired test says the drop is real");
  sub->add_option("--baseline", args->baseline, "baseline results.json (required unless --claims is given)");
  sub->add_option("--current", args->current, "current results.json")->required();
  sub->add_option("--tolerance", args->tolerance,
                  "tolerances JSON: {\"default\": 1.0, \"metrics\": {\"acc\": 2.0}, \"alpha\": 0.05}");
  sub->add_option("--alpha", args->alpha, "significance level of the paired test (default 0.05)");
  sub->add_option("--junit", args->outputs.junit,
                  "also write the verdicts as JUnit XML (GitLab, Jenkins, GitHub test reporters)");
  sub->add_option("--summary", args->outputs.summary,
                  "also write them as GitHub-flavoured Markdown (appended to $GITHUB_STEP_SUMMARY whenever it is set)");
  sub->add_option("--claims", args->claims,
                  "claims JSON {\"required\": [{\"claim\", \"mode\", \"metric\"}]}: each must show in --current "
                  "as a significant gain (rows of the table `run all` prints; ci/demo-claims.json)");
  sub->footer(
      "Exit status: 0 no real regression and every required claim holds, 1 a real regression or a lost claim,\n"
      "2 unusable input.\n"
      "With GITHUB_ACTIONS=true each failure is also printed as an ::error annotation.");
  sub->callback([args] {
    if (args->baseline.empty() && args->claims.empty()) throw CLI::RequiredError("--baseline");
    int lost = 0;
    if (!args->claims.empty()) lost = check_required_claims(args->claims, args->current);
    std::fflush(stdout);
    int failures = 0;
    if (!args->baseline.empty()) {
      GateTolerances tol = args->tolerance.empty() ? GateTolerances{} : load_gate_tolerances(args->tolerance);
      if (args->alpha > 0) tol.alpha = args->alpha;
      GateReport report = run_gate(args->baseline, args->current, tol);
      print_gate_report(report, stdout);
      std::fflush(stdout);
      write_gate_outputs(args->outputs, report);
      failures = report.failures;
    }
    if (lost > 0 || failures > 0) throw CLI::RuntimeError(1);
  });
}

}  // namespace qb::cli
