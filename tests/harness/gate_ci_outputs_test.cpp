// `qilin-bench gate --junit FILE --summary FILE`, $GITHUB_STEP_SUMMARY and GITHUB_ACTIONS
// annotations, through the built binary: written on a pass and on a failure (before exit 1),
// appended to GitHub's summary file without losing earlier steps', and never written for
// unusable input (exit 2).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "reports/results.h"
#include "tests/testing/testing.h"

namespace qb {
namespace {
namespace fs = std::filesystem;
using testing::qilin_bench;
using testing::run_command;

// RUN/results.json with one row "sft" scored on CMExam loglik, and the per-sample log the paired
// test reads (the first `wrong` items answered wrong).
fs::path write_run(const fs::path& dir, int n, int wrong) {
  fs::create_directories(dir / "samples");
  std::ofstream s(dir / "samples" / "cmexam.jsonl");
  for (int i = 0; i < n; ++i) {
    nlohmann::json row = {{"id", std::to_string(i + 1)}, {"gold", "A"}, {"options", "ABCDE"},
                          {"predicted", i < wrong ? "B" : "A"}, {"predicted_norm", "A"}};
    s << row.dump() << "\n";
  }
  s.close();
  reports::Results r;
  reports::ModelResult m;
  m.name = "sft";
  m.stage = "sft";
  reports::Evaluation e;
  e.suite = "cmexam";
  e.mode = "loglik";
  e.n = n;
  e.metrics["acc"].value = 100.0 * (n - wrong) / n;
  e.metrics["acc"].signature = "acc|test";
  e.samples = "samples/cmexam.jsonl";
  m.evaluations.push_back(e);
  r.models.push_back(m);
  reports::save_results(dir / "results.json", r);
  return dir / "results.json";
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class GateCiOutputs : public ::testing::Test {
 protected:
  void SetUp() override {
    unsetenv("GITHUB_ACTIONS");
    unsetenv("GITHUB_STEP_SUMMARY");
    base = write_run(dir.path() / "base", 40, 0);
    clean = write_run(dir.path() / "clean", 40, 0);
    regressed = write_run(dir.path() / "regressed", 40, 20);  // 100 -> 50, McNemar p ~ 2e-6
  }
  testing::CommandResult gate(const fs::path& current, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{qilin_bench().string(), "gate", "--baseline", base.string(), "--current", current.string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run_command(argv);
  }
  testing::TempDir dir;
  fs::path base, clean, regressed;
};

TEST_F(GateCiOutputs, FailureWritesJUnitSummaryAndAnnotationBeforeExitOne) {
  const fs::path junit = dir / "gate.xml", summary = dir / "gate.md", step = dir / "step.md";
  testing::write_fixture(step, "## an earlier step\n");
  setenv("GITHUB_ACTIONS", "true", 1);
  setenv("GITHUB_STEP_SUMMARY", step.c_str(), 1);
  auto r = gate(regressed, {"--junit", junit.string(), "--summary", summary.string()});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const std::string xml = slurp(junit);
  EXPECT_NE(xml.find("<testsuites name=\"qilin-bench gate\" tests=\"1\" failures=\"1\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<failure type=\"REGRESSION\" message=\"sft cmexam/loglik acc worsened by 50.000 points"), std::string::npos);
  const std::string md = slurp(summary);
  EXPECT_EQ(md.rfind("## :x: qilin-bench gate: 1 regression(s)\n", 0), 0u) << md;
  EXPECT_EQ(slurp(step), "## an earlier step\n" + md);
  EXPECT_NE(r.out.find("\n::error title=qilin-bench gate%3A REGRESSION sft cmexam/loglik acc::sft cmexam/loglik acc "
                       "worsened by 50.000 points (tolerance 1.00): 100.000 \xE2\x86\x92 50.000; mcnemar-exact p = "),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("1 metric(s) compared, 1 regression(s)\n"), std::string::npos);  // the table is still printed
}

TEST_F(GateCiOutputs, PassWritesThemTooWithoutAnnotations) {
  const fs::path junit = dir / "gate.xml", summary = dir / "gate.md";
  testing::write_fixture(junit, "an older report");  // replaced, not appended to
  setenv("GITHUB_ACTIONS", "true", 1);
  auto r = gate(clean, {"--junit", junit.string(), "--summary", summary.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(slurp(junit).rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"qilin-bench gate\" tests=\"1\" failures=\"0\"", 0), 0u);
  EXPECT_EQ(slurp(summary).rfind("## :white_check_mark: qilin-bench gate: no regression\n", 0), 0u);
  EXPECT_EQ(r.out.find("::error"), std::string::npos);
}

TEST_F(GateCiOutputs, AnnotationsOnlyUnderGitHubActions) {
  auto r = gate(regressed);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out.find("::error"), std::string::npos);
  setenv("GITHUB_ACTIONS", "false", 1);
  r = gate(regressed);
  EXPECT_EQ(r.out.find("::error"), std::string::npos);
}

TEST_F(GateCiOutputs, SummaryThatIsTheStepSummaryIsAppendedOnce) {
  const fs::path step = dir / "step.md";
  testing::write_fixture(step, "before\n");
  setenv("GITHUB_STEP_SUMMARY", step.c_str(), 1);
  auto r = gate(clean, {"--summary", step.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const std::string text = slurp(step);
  EXPECT_EQ(text.rfind("before\n## :white_check_mark: qilin-bench gate: no regression\n", 0), 0u) << text;
  EXPECT_EQ(text.find("## :white_check_mark:", text.find("## :white_check_mark:") + 1), std::string::npos);  // once
}

TEST_F(GateCiOutputs, UnusableInputWritesNothing) {
  const fs::path junit = dir / "gate.xml", summary = dir / "gate.md", step = dir / "step.md";
  testing::write_fixture(step, "before\n");
  setenv("GITHUB_STEP_SUMMARY", step.c_str(), 1);
  auto r = gate(dir / "missing.json", {"--junit", junit.string(), "--summary", summary.string()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_FALSE(fs::exists(junit));
  EXPECT_FALSE(fs::exists(summary));
  EXPECT_EQ(slurp(step), "before\n");
}

}  // namespace
}  // namespace qb
