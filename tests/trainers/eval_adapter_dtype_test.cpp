// `eval --adapter/--base/--dtype`: the flags reach the Engine. Scores of base + adapter equal those of
// the merged checkpoint, metrics.json records the adapter and the compute dtype. (Merge arithmetic
// against an independent implementation: trainers.peft_adapter_python.)
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "common/atomic_file.h"
#include "tests/testing/testing.h"
#include "tests/trainers/tiny_checkpoint.h"
#include "trainers/checkpoint/safetensors.h"

namespace qb {
namespace {

using testing::qilin_bench;
using testing::run_command;
using testing::TempDir;
namespace fs = std::filesystem;

const char* kCMExam =
    "Question,Options,Answer,Explanation\n"
    "患者发热三天，咳嗽，首选检查是,A 血常规\\nB 胸片\\nC 心电图\\nD 尿常规\\nE 肝功能,B,\n"
    "高血压患者饮食应,A 高盐\\nB 低盐\\nC 高糖\\nD 高脂\\nE 不限,B,\n";

// Every option's log-probability, in file order, from DIR/samples.jsonl.
std::vector<double> logprobs(const fs::path& out) {
  std::vector<double> v;
  std::istringstream in(read_file(out / "samples.jsonl"));
  for (std::string line; std::getline(in, line);)
    for (double x : nlohmann::json::parse(line)["logprob"].get<std::vector<double>>()) v.push_back(x);
  return v;
}

nlohmann::json eval(const TempDir& dir, std::vector<std::string> model_args, const std::string& out) {
  std::vector<std::string> argv{qilin_bench().string(), "-q", "eval", "--suite", "cmexam", "--data",
                                (dir / "q.csv").string(), "--out", (dir / out).string()};
  argv.insert(argv.end(), model_args.begin(), model_args.end());
  auto r = run_command(argv);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return nlohmann::json::parse(read_file(dir / out / "metrics.json"));
}

TEST(EvalAdapterDtype, AdapterEqualsMergedAndDtypeIsRecorded) {
  TempDir dir;
  testing::write_fixture(dir / "q.csv", kCMExam);
  LlamaModel base = testing::write_tiny_checkpoint(dir / "ck", testing::tiny_config());

  // A rank-2 adapter on every q_proj and down_proj; the merged copy is built here by hand.
  torch::manual_seed(9);
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  const double scale = 4.0 / 2;  // lora_alpha / r
  {
    torch::NoGradGuard ng;
    for (auto& p : base->named_parameters()) {
      const std::string& k = p.key();
      if (k.find("q_proj") == std::string::npos && k.find("down_proj") == std::string::npos) continue;
      const std::string m = "base_model.model." + k.substr(0, k.size() - 7);
      auto a = torch::randn({2, p.value().size(1)}) * 0.3, b = torch::randn({p.value().size(0), 2}) * 0.3;
      tensors.emplace_back(m + ".lora_A.weight", a);
      tensors.emplace_back(m + ".lora_B.weight", b);
      p.value().add_(torch::matmul(b, a), scale);
    }
  }
  fs::create_directories(dir / "ad");
  write_safetensors(dir / "ad/adapter_model.safetensors", tensors, torch::kFloat32);
  write_file_atomic(dir / "ad/adapter_config.json",
                    nlohmann::json{{"peft_type", "LORA"}, {"r", 2}, {"lora_alpha", 4}, {"target_modules", {"q_proj", "down_proj"}},
                                   {"base_model_name_or_path", (dir / "ck").string()}}.dump());
  save_model(dir / "merged", base);
  fs::copy_file(dir / "ck/tokenizer.json", dir / "merged/tokenizer.json");

  auto m_base = eval(dir, {"--model", (dir / "ck").string()}, "base");
  auto m_adapter = eval(dir, {"--model", (dir / "ck").string(), "--adapter", (dir / "ad").string()}, "adapter");
  auto m_as_model = eval(dir, {"--model", (dir / "ad").string()}, "as_model");
  eval(dir, {"--model", (dir / "merged").string()}, "merged");
  EXPECT_EQ(m_base["engine"]["dtype"], "float32");
  EXPECT_FALSE(m_base.contains("adapter"));
  EXPECT_EQ(m_adapter["adapter"], (dir / "ad").string());
  EXPECT_EQ(m_as_model["adapter"], (dir / "ad").string());
  EXPECT_EQ(m_as_model["model"], (dir / "ck").string());
  const auto lb = logprobs(dir / "base"), la = logprobs(dir / "adapter"), lm = logprobs(dir / "merged"),
             lam = logprobs(dir / "as_model");
  ASSERT_EQ(la.size(), 10u);
  double moved = 0;
  for (size_t i = 0; i < la.size(); ++i) {
    EXPECT_NEAR(la[i], lm[i], 1e-4) << i;  // summed over a few tokens: 1e-5 per token
    EXPECT_EQ(la[i], lam[i]) << i;
    moved = std::max(moved, std::abs(la[i] - lb[i]));
  }
  EXPECT_GT(moved, 0.1);  // the adapter matters

  // bf16 storage: auto computes in bf16, --dtype fp32 in fp32; both recorded.
  save_model(dir / "ckb", base, "bfloat16");
  fs::copy_file(dir / "ck/tokenizer.json", dir / "ckb/tokenizer.json");
  EXPECT_EQ(eval(dir, {"--model", (dir / "ckb").string()}, "b_auto")["engine"]["dtype"], "bfloat16");
  EXPECT_EQ(eval(dir, {"--model", (dir / "ckb").string(), "--dtype", "fp32"}, "b_fp32")["engine"]["dtype"], "float32");
  const auto l16 = logprobs(dir / "b_auto"), l32 = logprobs(dir / "b_fp32");
  ASSERT_EQ(l16.size(), l32.size());
  // Only a plumbing check that bf16 stays close (5 % + 0.05 nats per option); the justified
  // per-logit bf16 tolerance is asserted in trainers.model_parity_python.
  bool differs = false;
  for (size_t i = 0; i < l16.size(); ++i) {
    EXPECT_NEAR(l16[i], l32[i], 0.05 * std::abs(l32[i]) + 0.05) << i;
    differs = differs || l16[i] != l32[i];
  }
  EXPECT_TRUE(differs);  // bf16 really ran
}

}  // namespace
}  // namespace qb
