#include "trainers/engine/engine.h"

#include <gtest/gtest.h>

#include "common/error.h"
#include "tests/testing/testing.h"
#include "tests/trainers/tiny_checkpoint.h"

namespace qb {
namespace {

using testing::TempDir;
using testing::tiny_config;
using testing::write_tiny_checkpoint;

// Log-prob of `cont` after `ctx` computed the slow, obvious way: one full forward of
// BOS + ctx + cont and a sum over the continuation positions.
double reference_logprob(LlamaModel& m, const Tokenizer& tok, const std::string& ctx, const std::string& cont) {
  torch::NoGradGuard g;
  std::vector<int64_t> ids{tok.bos_id()};
  auto a = tok.encode(ctx), b = tok.encode(cont);
  ids.insert(ids.end(), a.begin(), a.end());
  const size_t start = ids.size();
  ids.insert(ids.end(), b.begin(), b.end());
  auto logp = torch::log_softmax(m->forward(torch::tensor(ids, torch::kInt64).unsqueeze(0))[0], -1);
  double sum = 0;
  for (size_t j = start; j < ids.size(); ++j) sum += logp[j - 1][ids[j]].item<double>();
  return sum;
}

TEST(Engine, LoglikSharedPrefixMatchesFullForwardAndNaive) {
  TempDir dir;
  auto model = write_tiny_checkpoint(dir.path(), tiny_config());
  Engine shared(dir.path(), {/*batch_size=*/2});
  Engine naive(dir.path(), {/*batch_size=*/2, /*prefix_sharing=*/false});
  std::vector<LoglikRequest> reqs{
      {"q1", "患者发热三天，咳嗽。答案：", {"A", "B", "C", "高血压", "D。"}},
      {"q2", "", {"糖尿病", "X"}},  // empty context: only BOS is shared
      {"q3", "血糖", {"", "需要"}},  // an empty continuation scores 0 with 0 tokens
  };
  auto a = shared.loglik(reqs);
  auto b = naive.loglik(reqs);
  for (size_t r = 0; r < reqs.size(); ++r)
    for (size_t i = 0; i < reqs[r].continuations.size(); ++i) {
      const double ref = reference_logprob(model, shared.tokenizer(), reqs[r].context, reqs[r].continuations[i]);
      EXPECT_NEAR(a[r].logprob[i], ref, 1e-4) << r << "/" << i;
      EXPECT_NEAR(b[r].logprob[i], ref, 1e-4) << r << "/" << i;
      EXPECT_EQ(a[r].n_tokens[i], b[r].n_tokens[i]);
      EXPECT_EQ(a[r].is_greedy[i], b[r].is_greedy[i]);
    }
  EXPECT_EQ(a[0].n_tokens, (std::vector<int>{1, 1, 1, 3, 2}));
  EXPECT_EQ(a[0].n_chars, (std::vector<int>{1, 1, 1, 3, 2}));
  EXPECT_EQ(a[1].n_tokens[1], 1);
  EXPECT_EQ(a[2].logprob[0], 0.0);
  EXPECT_EQ(a[2].n_tokens[0], 0);
  EXPECT_LT(a[0].logprob[3], a[0].logprob[0]);  // three tokens cost more than one here
  // The shared context runs once per request: q1 = 1 prefix pass + 3 batches of <= 2 continuations.
  EXPECT_EQ(shared.stats().forward_passes, (1 + 3) + (1 + 1) + (1 + 1));
  EXPECT_EQ(naive.stats().forward_passes, 5 + 2 + 1);
}

TEST(Engine, GreedyGenerationSameWithAndWithoutCacheAndBatching) {
  TempDir dir;
  write_tiny_checkpoint(dir.path(), tiny_config(Architecture::kBaichuan));
  std::vector<GenerateRequest> reqs;
  for (const char* p : {"患者", "高血压患者应", "糖", "答案：A B C D E。糖尿病需要"}) {
    GenerateRequest r;
    r.id = p;
    r.prompt = p;
    r.max_new_tokens = 12;
    reqs.push_back(r);
  }
  reqs[2].max_new_tokens = 3;
  Engine cached(dir.path(), {/*batch_size=*/4});
  Engine one(dir.path(), {/*batch_size=*/1});
  Engine nocache(dir.path(), {/*batch_size=*/3, true, /*kv_cache=*/false});
  auto a = cached.generate(reqs), b = one.generate(reqs), c = nocache.generate(reqs);
  for (size_t i = 0; i < reqs.size(); ++i) {
    EXPECT_EQ(a[i].text, b[i].text) << i;
    EXPECT_EQ(a[i].text, c[i].text) << i;
    EXPECT_EQ(a[i].finish_reason, b[i].finish_reason) << i;
    EXPECT_EQ(a[i].n_tokens, c[i].n_tokens) << i;
  }
  EXPECT_EQ(a[2].finish_reason, "length");
  EXPECT_EQ(a[2].n_tokens, 3);
  // The cache saves work: the no-cache engine pushes many more positions through the model.
  EXPECT_GT(nocache.stats().tokens_run, 2 * cached.stats().tokens_run);
}

TEST(Engine, StopStringsEosAndSeededSampling) {
  TempDir dir;
  write_tiny_checkpoint(dir.path(), tiny_config(Architecture::kLlama, 1, true));
  Engine e(dir.path());
  GenerateRequest r;
  r.prompt = "患者";
  r.max_new_tokens = 20;
  auto free_run = e.generate({r})[0];
  ASSERT_GE(free_run.text.size(), 3u) << "the tiny model should generate something";
  // Stop at the second character the free run produced: the text ends right before it.
  const std::string first = free_run.text.substr(0, 3), second = free_run.text.substr(3, 3);
  r.stop = {second, "never-produced"};
  auto stopped = e.generate({r})[0];
  EXPECT_EQ(stopped.finish_reason, "stop");
  EXPECT_EQ(stopped.text, free_run.text.substr(0, free_run.text.find(second)));

  GenerateRequest s;
  s.prompt = "糖尿病";
  s.max_new_tokens = 10;
  s.temperature = 1.5;
  s.top_p = 0.9;
  s.seed = 42;
  auto x = e.generate({s, s})[0], y = e.generate({s})[0];
  EXPECT_EQ(x.text, y.text);
  s.seed = 43;
  bool differs = false;
  for (uint64_t seed = 43; seed < 48 && !differs; ++seed) {
    s.seed = seed;
    differs = e.generate({s})[0].text != x.text;
  }
  EXPECT_TRUE(differs) << "sampling ignores the seed";
}

TEST(Engine, TokenizerLargerThanModelIsAnError) {
  TempDir dir;
  auto c = tiny_config();
  c.vocab_size = 262;
  write_tiny_checkpoint(dir.path(), c);
  try {
    Engine e(dir.path());
    FAIL() << "no error";
  } catch (const InputError& err) {
    EXPECT_EQ(std::string(err.what()),
              (dir.path() / "tokenizer.json").string() + ": vocabulary: " +
                  std::to_string(CharTokenizer::train({testing::tiny_corpus()}).vocab_size()) +
                  " tokens but the model has only 262");
  }
}

}  // namespace
}  // namespace qb
