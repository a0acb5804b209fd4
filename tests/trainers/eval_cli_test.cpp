#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/atomic_file.h"
#include "tests/testing/testing.h"
#include "tests/trainers/tiny_checkpoint.h"

namespace qb {
namespace {

using testing::qilin_bench;
using testing::run_command;
using testing::TempDir;
using testing::write_fixture;

std::vector<nlohmann::json> read_jsonl(const std::filesystem::path& p) {
  std::vector<nlohmann::json> out;
  std::istringstream in(read_file(p));
  for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
  return out;
}

// Three questions written for this test (4-column layout, literal \n between options).
const char* kCMExam =
    "Question,Options,Answer,Explanation\n"
    "患者发热三天，咳嗽，首选检查是,A 血常规\\nB 胸片\\nC 心电图\\nD 尿常规\\nE 肝功能,B,\n"
    "高血压患者饮食应,A 高盐\\nB 低盐\\nC 高糖\\nD 高脂\\nE 不限,B,\n"
    "糖尿病需要控制,A 血压\\nB 血脂\\nC 血糖\\nD 体重\\nE 以上均是,CE,\n";

TEST(EvalCli, CMExamLoglikLogsAgreeWithMetrics) {
  TempDir dir;
  testing::write_tiny_checkpoint(dir / "ck", testing::tiny_config());
  write_fixture(dir / "q.csv", kCMExam);
  auto r = run_command({qilin_bench().string(), "-q", "eval", "--model", (dir / "ck").string(), "--suite", "cmexam",
                        "--data", (dir / "q.csv").string(), "--out", (dir / "out").string(), "--batch-size", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto metrics = nlohmann::json::parse(read_file(dir / "out/metrics.json"));
  auto samples = read_jsonl(dir / "out/samples.jsonl");
  ASSERT_EQ(samples.size(), 3u);
  int correct = 0;
  for (const auto& s : samples) {
    // The logged answer is the option with the highest summed log-probability
    // (logprob[k] belongs to the k-th letter of "options").
    std::string best;
    double best_lp = -1e300;
    auto lp = s["logprob"].get<std::vector<double>>();
    std::string letters = s["options"];
    ASSERT_EQ(lp.size(), letters.size());
    for (size_t k = 0; k < lp.size(); ++k)
      if (lp[k] > best_lp) best_lp = lp[k], best = std::string(1, letters[k]);
    EXPECT_EQ(s["predicted"], best);
    EXPECT_EQ(s["correct"], s["predicted"] == s["gold"]);
    correct += s["correct"].get<bool>();
    EXPECT_NE(s["prompt"].get<std::string>().find("\n答案："), std::string::npos);
  }
  EXPECT_EQ(samples[2]["gold"], "CE");
  EXPECT_EQ(samples[2]["correct"], false);  // one letter can never match a two-letter answer
  EXPECT_EQ(metrics["metrics"]["acc"]["n"], 3);
  EXPECT_EQ(metrics["metrics"]["acc"]["correct"], correct);
  // One prefix pass per question + ceil(5 options / batch 2) = 3 continuation passes.
  EXPECT_EQ(metrics["engine"]["forward_passes"], 3 * (1 + 3));
}

TEST(EvalCli, GenerateModesAndHuatuo) {
  TempDir dir;
  testing::write_tiny_checkpoint(dir / "ck", testing::tiny_config(Architecture::kBaichuan));
  write_fixture(dir / "q.csv", kCMExam);
  auto g = run_command({qilin_bench().string(), "-q", "eval", "--model", (dir / "ck").string(), "--suite", "cmexam",
                        "--mode", "generate", "--max-new-tokens", "4", "--data", (dir / "q.csv").string(), "--out",
                        (dir / "gen").string()});
  ASSERT_EQ(g.exit_code, 0) << g.err;
  auto samples = read_jsonl(dir / "gen/samples.jsonl");
  ASSERT_EQ(samples.size(), 3u);
  for (const auto& s : samples) EXPECT_LE(s["n_tokens"].get<int>(), 4);

  write_fixture(dir / "h.jsonl",
                "{\"question\": \"高血压患者应注意什么？\", \"answer\": \"低盐饮食，规律服药。\"}\n"
                "{\"question\": \"发热怎么办？\", \"answer\": \"多喝水，必要时就医。\"}\n");
  auto h = run_command({qilin_bench().string(), "-q", "eval", "--model", (dir / "ck").string(), "--suite", "huatuo",
                        "--data", (dir / "h.jsonl").string(), "--max-new-tokens", "6", "--bootstrap", "0", "--out",
                        (dir / "hua").string()});
  ASSERT_EQ(h.exit_code, 0) << h.err;
  auto m = nlohmann::json::parse(read_file(dir / "hua/metrics.json"));
  EXPECT_EQ(m["n"], 2);
  EXPECT_TRUE(m["metrics"].contains("bleu1"));
  auto hs = read_jsonl(dir / "hua/samples.jsonl");
  ASSERT_EQ(hs.size(), 2u);
  EXPECT_EQ(hs[1]["reference"], "多喝水，必要时就医。");
  EXPECT_EQ(hs[0]["prompt"], "问：高血压患者应注意什么？\n答：");
}

TEST(EvalCli, BadInputIsExitTwoAndWritesNothing) {
  TempDir dir;
  testing::write_tiny_checkpoint(dir / "ck", testing::tiny_config());
  write_fixture(dir / "h.jsonl", "{\"question\": \"q\", \"answer\": \"a\"}\n");
  auto r = run_command({qilin_bench().string(), "eval", "--model", (dir / "ck").string(), "--suite", "huatuo",
                        "--mode", "loglik", "--data", (dir / "h.jsonl").string(), "--out", (dir / "o").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "qilin-bench: error: --mode: value: huatuo is open-ended QA: use --mode generate\n");
  EXPECT_FALSE(std::filesystem::exists(dir / "o/samples.jsonl"));
  std::filesystem::remove(dir / "ck/tokenizer.json");
  auto t = run_command({qilin_bench().string(), "eval", "--model", (dir / "ck").string(), "--suite", "huatuo",
                        "--data", (dir / "h.jsonl").string()});
  EXPECT_EQ(t.exit_code, 2);
  EXPECT_EQ(t.err, "qilin-bench: error: " + (dir / "ck").string() +
                       ": tokenizer: has no tokenizer.json (train one with 'qilin-bench model tokenizer')\n");
}

TEST(EvalCli, ShardsFromFlagOrRankVariablesMergeToTheUnshardedResult) {
  TempDir dir;
  testing::write_tiny_checkpoint(dir / "ck", testing::tiny_config());
  write_fixture(dir / "q.csv", kCMExam);
  auto eval = [&](std::vector<std::string> extra, const std::string& out) {
    std::vector<std::string> argv = {"env"};
    for (auto& e : extra)
      if (e.find('=') != std::string::npos) argv.push_back(e);
    argv.insert(argv.end(), {qilin_bench().string(), "-q", "eval", "--model", (dir / "ck").string(), "--suite",
                             "cmexam", "--mode", "generate", "--max-new-tokens", "3", "--data",
                             (dir / "q.csv").string(), "--out", (dir / out).string()});
    for (auto& e : extra)
      if (e.find('=') == std::string::npos) argv.push_back(e);
    auto r = run_command(argv);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  };
  eval({}, "whole");
  eval({"--shard", "0/2"}, "s0");
  eval({"RANK=1", "WORLD_SIZE=2"}, "s1");  // as torchrun or Slurm would set them
  EXPECT_EQ(read_jsonl(dir / "s0/samples.jsonl").size(), 2u);
  EXPECT_EQ(read_jsonl(dir / "s1/samples.jsonl").size(), 1u);
  auto m = run_command({qilin_bench().string(), "-q", "eval", "--merge", (dir / "s1").string(),
                        (dir / "s0").string(), "--out", (dir / "merged").string()});
  ASSERT_EQ(m.exit_code, 0) << m.err;
  EXPECT_EQ(read_file(dir / "merged/samples.jsonl"), read_file(dir / "whole/samples.jsonl"));
  auto a = nlohmann::json::parse(read_file(dir / "merged/metrics.json"));
  auto b = nlohmann::json::parse(read_file(dir / "whole/metrics.json"));
  EXPECT_EQ(a["metrics"], b["metrics"]);
  EXPECT_EQ(a["breakdown"], b["breakdown"]);

  auto bad = run_command({qilin_bench().string(), "eval", "--model", (dir / "ck").string(), "--suite", "cmexam",
                          "--data", (dir / "q.csv").string(), "--shard", "2/2"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(bad.err, "qilin-bench: error: --shard: '2/2': expected I/N with 0 <= I < N, e.g. 0/2\n");
}

TEST(EvalCli, RealHuatuoSliceAndScoreReproducesItsMetrics) {
  QILIN_REQUIRE_SHARED(json_file, "huatuo26m/huatuo26M_test_6000.json");
  TempDir dir;
  testing::write_tiny_checkpoint(dir / "ck", testing::tiny_config());
  auto r = run_command({qilin_bench().string(), "-q", "eval", "--model", (dir / "ck").string(), "--suite", "huatuo",
                        "--data", json_file.string(), "--limit", "5", "--max-new-tokens", "8", "--bootstrap", "0",
                        "--out", (dir / "out").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto samples = read_jsonl(dir / "out/samples.jsonl");
  ASSERT_EQ(samples.size(), 5u);
  auto data = nlohmann::json::parse(read_file(json_file));
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(samples[i]["reference"], data[i]["output"][0]);
    EXPECT_EQ(samples[i]["prompt"], "问：" + data[i]["instruction"][0].get<std::string>() + "\n答：");
  }
  // The per-sample log is a valid `score` input and gives the same numbers as metrics.json.
  auto s = run_command({qilin_bench().string(), "score", "--suite", "huatuo", "--predictions",
                        (dir / "out/samples.jsonl").string(), "--bootstrap", "0"});
  ASSERT_EQ(s.exit_code, 0) << s.err;
  auto rescored = nlohmann::json::parse(s.out);
  auto metrics = nlohmann::json::parse(read_file(dir / "out/metrics.json"));
  EXPECT_EQ(rescored["n"], 5);
  for (const char* m : {"bleu1", "bleu4", "rouge1", "rouge2", "rougeL"})
    EXPECT_EQ(rescored["metrics"][m]["value"], metrics["metrics"][m]["value"]) << m;
}

TEST(EvalCli, RealCMExamQilinMedTestSet) {
  QILIN_REQUIRE_SHARED(csv, "cmexam/qilinmed_test_10.csv");
  TempDir dir;
  testing::write_tiny_checkpoint(dir / "ck", testing::tiny_config());
  auto r = run_command({qilin_bench().string(), "-q", "eval", "--model", (dir / "ck").string(), "--suite", "cmexam",
                        "--data", csv.string(), "--out", (dir / "out").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto samples = read_jsonl(dir / "out/samples.jsonl");
  EXPECT_EQ(samples.size(), 9u);  // the file's 9 questions (data/README.md)
  auto metrics = nlohmann::json::parse(read_file(dir / "out/metrics.json"));
  EXPECT_EQ(metrics["metrics"]["acc"]["n"], 9);
  EXPECT_TRUE(metrics["breakdown"].contains("Clinical Department"));
  EXPECT_EQ(metrics["read"]["records_skipped"], 0);
}

}  // namespace
}  // namespace qb
