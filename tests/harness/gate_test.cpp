#include <gtest/gtest.h>

#include <fstream>

#include "evals/gate.h"
#include "reports/results.h"
#include "tests/testing/testing.h"

namespace qb {
namespace {
namespace fs = std::filesystem;
using testing::qilin_bench;
using testing::run_command;

// Writes RUN/results.json with one model "sft" scored on CMExam loglik over `correct.size()`
// items, and the per-sample log the paired test reads.
fs::path write_run(const fs::path& dir, const std::vector<bool>& correct) {
  fs::create_directories(dir / "samples");
  std::ofstream s(dir / "samples" / "cmexam.jsonl");
  long right = 0;
  for (size_t i = 0; i < correct.size(); ++i) {
    right += correct[i];
    nlohmann::json row = {{"id", std::to_string(i + 1)}, {"gold", "A"}, {"options", "ABCDE"},
                          {"predicted", correct[i] ? "A" : "B"}, {"predicted_norm", "A"}};
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
  e.n = static_cast<long>(correct.size());
  e.metrics["acc"].value = 100.0 * right / correct.size();
  e.metrics["acc"].signature = "acc|test";
  e.samples = "samples/cmexam.jsonl";
  m.evaluations.push_back(e);
  r.models.push_back(m);
  reports::save_results(dir / "results.json", r);
  return dir / "results.json";
}

TEST(Gate, IdenticalRunsPass) {
  testing::TempDir dir;
  std::vector<bool> c(40, true);
  auto a = write_run(dir / "a", c), b = write_run(dir / "b", c);
  auto r = run_command({qilin_bench().string(), "gate", "--baseline", a.string(), "--current", b.string()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("1 metric(s) compared, 0 regression(s)"), std::string::npos) << r.out;
}

TEST(Gate, LargeRealDropFailsWithMcNemar) {
  testing::TempDir dir;
  std::vector<bool> base(40, true), cur(40, true);
  for (int i = 0; i < 20; ++i) cur[i] = false;  // 100 -> 50: 20 discordant pairs, all one way
  auto a = write_run(dir / "a", base), b = write_run(dir / "b", cur);
  GateReport rep = run_gate(a, b, GateTolerances{});
  ASSERT_EQ(rep.rows.size(), 1u);
  EXPECT_EQ(rep.rows[0].verdict, "REGRESSION");
  EXPECT_EQ(rep.rows[0].test, "mcnemar-exact");
  // Exact two-sided binomial: 2 * 0.5^20.
  EXPECT_NEAR(*rep.rows[0].p_value, 2 * std::pow(0.5, 20), 1e-15);
  EXPECT_DOUBLE_EQ(rep.rows[0].change, -50.0);
  auto r = run_command({qilin_bench().string(), "gate", "--baseline", a.string(), "--current", b.string()});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("REGRESSION"), std::string::npos) << r.out;
}

TEST(Gate, DropBeyondToleranceButNotSignificantPasses) {
  testing::TempDir dir;
  std::vector<bool> base(40, true), cur(40, true);
  cur[3] = false;  // 2.5 points, one discordant pair: p = 1
  auto a = write_run(dir / "a", base), b = write_run(dir / "b", cur);
  GateReport rep = run_gate(a, b, GateTolerances{});
  EXPECT_EQ(rep.rows[0].verdict, "not significant");
  EXPECT_DOUBLE_EQ(*rep.rows[0].p_value, 1.0);
  EXPECT_EQ(rep.failures, 0);
}

TEST(Gate, ToleranceFileRaisesTheAllowance) {
  testing::TempDir dir;
  std::vector<bool> base(40, true), cur(40, true);
  cur[3] = false;
  auto a = write_run(dir / "a", base), b = write_run(dir / "b", cur);
  auto tol = testing::write_fixture(dir / "tol.json", R"({"metrics": {"acc": 3.0}})");
  GateReport rep = run_gate(a, b, load_gate_tolerances(tol));
  EXPECT_EQ(rep.rows[0].verdict, "within tolerance");
}

TEST(Gate, MissingMetricFailsAndBadInputExitsTwo) {
  testing::TempDir dir;
  std::vector<bool> c(10, true);
  auto a = write_run(dir / "a", c);
  // The current run scored the suite but lost the "acc" metric.
  auto b = write_run(dir / "b", c);
  reports::Results cur = reports::load_results(b);
  auto& metrics = cur.models[0].evaluations[0].metrics;
  metrics["acc_norm"] = metrics.at("acc");
  metrics.erase("acc");
  reports::save_results(b, cur);
  GateReport rep = run_gate(a, b, GateTolerances{});
  EXPECT_EQ(rep.rows[0].verdict, "MISSING");
  EXPECT_EQ(rep.failures, 1);

  auto bad = testing::write_fixture(dir / "bad.json", "{\"schema_version\": 1, \"models\": [");
  auto r = run_command({qilin_bench().string(), "gate", "--baseline", a.string(), "--current", bad.string()});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("bad.json"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace qb
