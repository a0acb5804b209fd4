#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "tests/testing/testing.h"

namespace qb {
namespace {

using testing::qilin_bench;
using testing::run_command;
using testing::TempDir;
using testing::write_fixture;

const char* kTinyConfig = R"({"architectures":["LlamaForCausalLM"],"model_type":"llama","vocab_size":300,
  "hidden_size":64,"intermediate_size":96,"num_hidden_layers":2,"num_attention_heads":4,"num_key_value_heads":2})";

TEST(ModelCli, InitDescribeLogitsTokenizer) {
  TempDir dir;
  write_fixture(dir / "corpus.txt", "发热咳嗽发热\n");
  auto tok = run_command({qilin_bench().string(), "model", "tokenizer", "--corpus", (dir / "corpus.txt").string(),
                          "--out", (dir / "tok.json").string()});
  ASSERT_EQ(tok.exit_code, 0) << tok.err;
  EXPECT_EQ(nlohmann::json::parse(tok.out)["vocab_size"], 260 + 5);  // 发 热 咳 嗽 \n
  write_fixture(dir / "config.json", kTinyConfig);
  auto init = run_command({qilin_bench().string(), "model", "init", "--config", (dir / "config.json").string(), "--out",
                           (dir / "ck").string(), "--seed", "4", "--dtype", "fp16", "--tokenizer",
                           (dir / "tok.json").string()});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  auto d = run_command({qilin_bench().string(), "model", "describe", "--model", (dir / "ck").string()});
  ASSERT_EQ(d.exit_code, 0) << d.err;
  auto j = nlohmann::json::parse(d.out);
  EXPECT_EQ(j["architecture"], "LlamaForCausalLM");
  EXPECT_EQ(j["dtype"], "F16");
  EXPECT_EQ(j["tokenizer"], "tokenizer.json");
  EXPECT_EQ(j["key_value_heads"], 2);
  auto l = run_command({qilin_bench().string(), "model", "logits", "--model", (dir / "ck").string(), "--ids", "1,5,9"});
  ASSERT_EQ(l.exit_code, 0) << l.err;
  EXPECT_EQ(nlohmann::json::parse(l.out).size(), 300u);
}

TEST(ModelCli, BadInputExitsTwoWithClearMessage) {
  TempDir dir;
  write_fixture(dir / "config.json", kTinyConfig);
  auto bad_ids = run_command({qilin_bench().string(), "model", "logits", "--model", dir.path().string(), "--ids", "1,x"});
  EXPECT_EQ(bad_ids.exit_code, 2);
  EXPECT_EQ(bad_ids.err, "qilin-bench: error: --ids: item 2: 'x' is not an integer token id\n");
  auto no_weights = run_command({qilin_bench().string(), "model", "describe", "--model", dir.path().string()});
  EXPECT_EQ(no_weights.exit_code, 2);
  EXPECT_EQ(no_weights.err, "qilin-bench: error: " + dir.path().string() +
                                ": checkpoint: has neither model.safetensors nor model.safetensors.index.json\n");
  auto bad_dtype = run_command({qilin_bench().string(), "model", "init", "--config", (dir / "config.json").string(),
                                "--out", (dir / "o").string(), "--dtype", "int8"});
  EXPECT_EQ(bad_dtype.exit_code, 2);
  EXPECT_EQ(bad_dtype.err, "qilin-bench: error: --dtype: dtype: 'int8' is not one of fp32, fp16, bf16\n");
}

}  // namespace
}  // namespace qb
