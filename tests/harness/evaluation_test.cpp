#include <gtest/gtest.h>

#include <fmt/format.h>

#include <fstream>

#include "common/atomic_file.h"
#include "common/error.h"
#include "data/demo_world.h"
#include "evals/evaluation.h"
#include "trainers/tokenizer/char_tokenizer.h"
#include "trainers/engine/engine.h"
#include "trainers/model/model_config.h"
#include "trainers/model/model_tools.h"
#include "tests/testing/testing.h"

namespace qb {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

// A tiny random model whose tokenizer covers the small demo world.
class EvaluationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    demo::write_demo_world(dir_ / "world", 7, demo::DemoSizes::small());
    std::vector<std::string> texts = {read_file(dir_ / "world" / "dcpt.txt"),
                                      read_file(dir_ / "world" / "cmexam_test.csv"),
                                      read_file(dir_ / "world" / "huatuo_test.jsonl")};
    CharTokenizer tok = CharTokenizer::train(texts);
    ModelConfig mc = parse_model_config(
        json{{"architectures", {"LlamaForCausalLM"}}, {"model_type", "llama"}, {"vocab_size", tok.vocab_size()},
             {"hidden_size", 32}, {"intermediate_size", 64}, {"num_hidden_layers", 1},
             {"num_attention_heads", 2}, {"max_position_embeddings", 1024}}
            .dump(),
        "test");
    init_random_checkpoint(mc, dir_ / "model", 3, "fp32");
    tok.save(dir_ / "model" / "tokenizer.json");
  }
  EvalSpec spec(const std::string& suite, const std::string& mode) {
    EvalSpec s;
    s.suite = suite;
    s.options.mode = mode;
    s.options.data = dir_ / "world" / (suite == "cmexam" ? "cmexam_test.csv" : "huatuo_test.jsonl");
    s.options.limit = 12;
    s.options.max_new_tokens = 6;
    s.chunk_size = 5;
    s.options.scoring.bootstrap = 50;
    return s;
  }
  testing::TempDir dir_;
};

TEST_F(EvaluationTest, MergedShardsEqualUnshardedExactly) {
  Engine engine(dir_ / "model");
  for (auto [suite, mode] : std::vector<std::pair<std::string, std::string>>{
           {"cmexam", "loglik"}, {"cmexam", "generate"}, {"huatuo", "generate"}}) {
    auto whole = run_evaluation(engine, spec(suite, mode), dir_ / ("whole-" + suite + mode));
    std::vector<fs::path> shards;
    for (int i = 0; i < 3; ++i) {
      auto s = spec(suite, mode);
      s.shard_index = i;
      s.shard_count = 3;
      fs::path out = dir_ / fmt::format("shard{}-{}{}", i, suite, mode);
      run_evaluation(engine, s, out);
      shards.push_back(out);
    }
    std::reverse(shards.begin(), shards.end());  // merge order must not matter
    auto merged = merge_eval_shards(shards, dir_ / ("merged-" + suite + mode));
    EXPECT_EQ(merged.n, 12);
    json a = whole.metrics, b = merged.metrics;
    for (json* x : {&a, &b}) {
      x->erase("spec");
      x->erase("read");
      x->erase("merged_from");
    }
    EXPECT_EQ(a.dump(), b.dump()) << suite << " " << mode;
    EXPECT_EQ(read_file(whole.samples), read_file(merged.samples)) << suite << " " << mode;
  }
}

TEST_F(EvaluationTest, MissingShardIsAnError) {
  Engine engine(dir_ / "model");
  auto s = spec("cmexam", "loglik");
  s.shard_count = 2;
  run_evaluation(engine, s, dir_ / "s0");
  try {
    merge_eval_shards({dir_ / "s0"}, dir_ / "m");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "merge: shard 1/2 is missing");
  }
}

TEST_F(EvaluationTest, KilledEvaluationResumesFromFinishedChunks) {
  Engine engine(dir_ / "model");
  auto s = spec("cmexam", "generate");
  auto first = run_evaluation(engine, s, dir_ / "e");
  // Forge a finished chunk: a resumed evaluation must take it as answered, not recompute it.
  fs::path chunk = dir_ / "e" / "work" / "chunk-000000.jsonl";
  std::string text = read_file(chunk);
  json row = json::parse(text.substr(0, text.find('\n')));
  row["output"] = "答案：" + row["gold"].get<std::string>();
  write_file_atomic(chunk, row.dump() + "\n" + text.substr(text.find('\n') + 1));
  auto second = run_evaluation(engine, s, dir_ / "e");
  std::ifstream in(second.samples);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(json::parse(line)["correct"], true);
  EXPECT_EQ(engine.stats().forward_passes > 0, true);
}

}  // namespace
}  // namespace qb
