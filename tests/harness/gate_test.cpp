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


// A run whose comparisons say: DCPT over base on CMExam loglik +13.1 (p = 0.001, significant) and
// DPO over SFT on Huatuo BLEU-1 `dpo_delta` with p = `dpo_p`.
fs::path write_claims_run(const fs::path& dir, double dpo_delta, double dpo_p) {
  fs::create_directories(dir);
  reports::Results r;
  for (const char* name : {"base", "dcpt", "sft", "dpo"}) {
    reports::ModelResult m;
    m.name = name;
    m.stage = name;
    reports::Evaluation e;
    e.suite = "cmexam";
    e.mode = "loglik";
    e.n = 206;
    e.metrics["acc"].value = 20.0;
    e.metrics["acc"].signature = "acc|test";
    m.evaluations.push_back(e);
    r.models.push_back(m);
  }
  reports::Comparison dcpt{"base", "dcpt", "cmexam", "loglik", "acc", 206, 13.1, std::nullopt, std::nullopt, 0.001,
                           "mcnemar-exact", true};
  reports::Comparison dpo{"sft", "dpo", "huatuo26m", "generate", "bleu1", 80, dpo_delta, std::nullopt, std::nullopt,
                          dpo_p, "paired-bootstrap", dpo_p < 0.05};
  r.comparisons = {dcpt, dpo};
  reports::save_results(dir / "results.json", r);
  return dir / "results.json";
}

const char* kTwoClaims = R"({"required": [
  {"claim": "DCPT raises CMExam accuracy over base", "mode": "loglik", "metric": "acc"},
  {"claim": "DPO raises Huatuo BLEU-1 over SFT", "mode": "generate", "metric": "bleu1"}]})";

TEST(GateClaims, EveryRequiredClaimSignificantPassesAndALostOneFails) {
  testing::TempDir dir;
  auto claims = testing::write_fixture(dir / "claims.json", kTwoClaims);
  auto good = write_claims_run(dir / "good", 13.28, 0.0001);
  auto r = run_command({qilin_bench().string(), "gate", "--claims", claims.string(), "--current", good.string()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("held  DPO raises Huatuo BLEU-1 over SFT        generate bleu1    +13.28  p=0.0001  gain (significant)"),
            std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2 of 2 required claim(s) hold"), std::string::npos) << r.out;

  // The demo's DPO gain of 2026-12-04: positive, not significant. The guard must catch it.
  auto lost = write_claims_run(dir / "lost", 1.22, 0.174);
  r = run_command({qilin_bench().string(), "gate", "--claims", claims.string(), "--current", lost.string()});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("LOST  DPO raises Huatuo BLEU-1 over SFT        generate bleu1     +1.22  p=0.1740  gain (not significant)"),
            std::string::npos) << r.out;
  EXPECT_NE(r.out.find("held  DCPT raises CMExam accuracy over base"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1 of 2 required claim(s) hold"), std::string::npos) << r.out;

  // A claim whose comparison is absent is lost too.
  auto none = write_claims_run(dir / "none", 1.0, 0.5);
  reports::Results cur = reports::load_results(none);
  cur.comparisons.pop_back();
  reports::save_results(none, cur);
  r = run_command({qilin_bench().string(), "gate", "--claims", claims.string(), "--current", none.string()});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("LOST  DPO raises Huatuo BLEU-1 over SFT        generate bleu1   not measured"), std::string::npos)
      << r.out;
}

TEST(GateClaims, AClaimFileNamingNoRowIsAnInputErrorAndBaselineOrClaimsIsRequired) {
  testing::TempDir dir;
  auto run = write_claims_run(dir / "run", 13.28, 0.0001);
  auto bad = testing::write_fixture(dir / "bad.json", R"({"required": [
    {"claim": "DCPT raises CMExam accuracy over base", "mode": "loglik", "metric": "acc"},
    {"claim": "DPO raises Huatuo BLEU-1 over SFT", "mode": "loglik", "metric": "bleu1"}]})");
  auto r = run_command({qilin_bench().string(), "gate", "--claims", bad.string(), "--current", run.string()});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find(bad.string() + ": required[1]: no claim 'DPO raises Huatuo BLEU-1 over SFT' in mode 'loglik' "
                                      "on metric 'bleu1'"),
            std::string::npos)
      << r.err;
  auto typo = testing::write_fixture(dir / "typo.json", R"({"requried": []})");
  r = run_command({qilin_bench().string(), "gate", "--claims", typo.string(), "--current", run.string()});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("key 'required': missing"), std::string::npos) << r.err;
  r = run_command({qilin_bench().string(), "gate", "--current", run.string()});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("--baseline is required"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace qb
