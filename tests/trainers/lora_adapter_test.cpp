// LoRA in adapter form (trainers/model/lora.h, the projection hook of trainers/model/llama_model.h):
// dropout acts on the adapter input in training mode only, eval mode is deterministic and
// equals the merged model, the frozen base gets no gradient and never moves, and detaching
// the adapters gives back the plain model bit for bit.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "tests/testing/testing.h"
#include "trainers/checkpoint/checkpoint.h"
#include "trainers/model/llama_model.h"
#include "trainers/model/lora.h"
#include "trainers/model/model_config.h"
#include "trainers/train/optim_adamw.h"
#include "trainers/train/train_model_lora.h"

namespace qb {
namespace {

using qb::testing::TempDir;

LlamaModel tiny_model(uint64_t seed) {
  ModelConfig c;
  c.vocab_size = 64, c.hidden_size = 32, c.intermediate_size = 48, c.num_hidden_layers = 2;
  c.num_attention_heads = 4, c.num_key_value_heads = 4, c.max_position_embeddings = 64;
  LlamaModel m(c);
  m->init_weights(seed);
  return m;
}

torch::Tensor some_ids() { return torch::tensor({{1, 5, 9, 33, 12, 60, 2}, {1, 7, 7, 40, 3, 18, 2}}, torch::kInt64); }

// Non-zero B so the adapters change the output (B starts at zero).
void randomize_b(train::TrainableLm& lm) {
  torch::NoGradGuard ng;
  for (const auto& a : lm.adapters()) a->B.normal_(0, 0.5);
}

double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }

const std::vector<std::string> kTargets = {"q_proj", "v_proj", "o_proj", "down_proj", "lm_head"};

// The dropout is the adapter's own: with W = 0 and A = B = identity the projection returns
// dropout(x) itself, so every element is 0 or x/(1-p), about p of them 0; eval mode returns x.
TEST(LoraAdapter, DropoutZeroesAFractionPOfTheAdapterInputAndScalesTheRest) {
  at::set_num_threads(1);
  const int64_t r = 4;
  train::LoraAdapter a;
  a.A = torch::eye(r), a.B = torch::eye(r), a.scale = 1, a.dropout = 0.25;
  auto W = torch::zeros({r, r});
  auto x = torch::rand({25000, r}) + 0.5;  // no zeros in the input
  torch::manual_seed(3);
  auto y = a.forward(x, W, true);
  auto kept = y != 0;
  EXPECT_TRUE(torch::allclose(y.masked_select(kept), x.masked_select(kept) / 0.75, 1e-6, 1e-6));
  const double dropped = 1.0 - kept.to(torch::kFloat64).mean().item<double>();
  EXPECT_NEAR(dropped, 0.25, 0.01);  // 100,000 Bernoulli draws: sd 0.0014
  EXPECT_TRUE(torch::equal(a.forward(x, W, false), x));
  // Seeded: the same generator state draws the same mask.
  torch::manual_seed(3);
  EXPECT_TRUE(torch::equal(a.forward(x, W, true), y));
}

// The mask bits: drop rate p at p = 0.5 and 0.1, neighbours uncorrelated (the two halves of
// one hash word feed adjacent elements), a new mask per call, the same mask at 1 and 2 threads.
TEST(LoraAdapter, DropoutMaskIsUnbiasedUncorrelatedAndThreadCountFree) {
  auto ones = torch::ones({400000});
  for (double p : {0.5, 0.1}) {
    torch::manual_seed(7);
    auto kept = (train::adapter_dropout(ones, p) != 0).to(torch::kFloat64);
    const double q = 1 - p;
    EXPECT_NEAR(kept.mean().item<double>(), q, 0.005) << p;  // sd <= 0.0008
    auto both = (kept.narrow(0, 0, 399999) * kept.narrow(0, 1, 399999)).mean().item<double>();
    EXPECT_NEAR(both, q * q, 0.005) << p;
    auto next = (train::adapter_dropout(ones, p) != 0).to(torch::kFloat64);
    EXPECT_NEAR((kept * next).mean().item<double>(), q * q, 0.005) << p;
  }
  at::set_num_threads(1);
  torch::manual_seed(9);
  auto one = train::adapter_dropout(ones, 0.3);
  at::set_num_threads(2);
  torch::manual_seed(9);
  auto two = train::adapter_dropout(ones, 0.3);
  at::set_num_threads(1);
  EXPECT_TRUE(torch::equal(one, two));
  // Gradient: masked and scaled like the output.
  auto x = (torch::rand({1000}) + 0.5).set_requires_grad(true);
  torch::manual_seed(9);
  auto y = train::adapter_dropout(x, 0.3);
  y.sum().backward();
  EXPECT_TRUE(torch::allclose(x.grad(), y.detach() / x.detach(), 1e-6, 1e-6));
}

TEST(LoraAdapter, TrainModeDiffersEvalModeIsDeterministicAndEqualsMergedModel) {
  at::set_num_threads(1);
  TempDir t;
  auto model = tiny_model(4);
  torch::manual_seed(1);
  train::TrainableLm lm(model, train::LoraSettings{4, 8.0, 0.3, kTargets});
  ASSERT_EQ(lm.adapters().size(), 9u);  // 4 targets x 2 layers + the output head
  randomize_b(lm);
  torch::NoGradGuard ng;
  const auto ids = some_ids();

  lm.set_training(false);
  auto eval1 = lm.logits(ids), eval2 = lm.logits(ids);
  EXPECT_TRUE(torch::equal(eval1, eval2));

  lm.set_training(true);
  auto train1 = lm.logits(ids), train2 = lm.logits(ids);
  EXPECT_GT(max_abs_diff(train1, eval1), 1e-3);
  EXPECT_GT(max_abs_diff(train1, train2), 1e-3);  // a fresh mask per forward

  lm.save_merged(t / "merged");
  auto merged = load_model(t / "merged");
  EXPECT_LT(max_abs_diff(merged->forward(ids), eval1), 1e-5);
  // The adapters matter: the merged model is not the base model.
  EXPECT_GT(max_abs_diff(tiny_model(4)->forward(ids), eval1), 1e-3);
}

TEST(LoraAdapter, FrozenBaseGetsNoGradientAndStaysUnchanged) {
  at::set_num_threads(1);
  auto model = tiny_model(5);
  std::map<std::string, torch::Tensor> before;
  for (const auto& p : model->named_parameters()) before[p.key()] = p.value().clone();
  torch::manual_seed(2);
  train::TrainableLm lm(model, train::LoraSettings{4, 8.0, 0.1, kTargets});
  auto named = lm.trainable();
  ASSERT_EQ(named.size(), 18u);
  EXPECT_EQ(named[0].first, "model.layers.0.self_attn.q_proj.weight.lora_A");
  auto opt = train::make_adamw(named, train::AdamWSettings{0.01, 0.9, 0.999, 1e-8, 0.0});
  lm.set_training(true);
  const auto ids = some_ids();
  double first = 0, last = 0;
  for (int step = 0; step < 5; ++step) {
    opt->zero_grad();
    auto logits = lm.logits(ids).narrow(1, 0, ids.size(1) - 1);
    auto loss = torch::nn::functional::cross_entropy(logits.reshape({-1, logits.size(-1)}),
                                                     ids.narrow(1, 1, ids.size(1) - 1).reshape({-1}));
    loss.backward();
    for (const auto& p : model->named_parameters()) {
      EXPECT_FALSE(p.value().requires_grad()) << p.key();
      EXPECT_FALSE(p.value().grad().defined()) << p.key();
    }
    for (const auto& [name, tensor] : named) EXPECT_TRUE(tensor.grad().defined()) << name;
    opt->step();
    (step == 0 ? first : last) = loss.item<double>();
  }
  EXPECT_LT(last, first);
  for (const auto& p : model->named_parameters()) EXPECT_TRUE(torch::equal(p.value(), before[p.key()])) << p.key();
}

// Destroying the trainable view detaches the hooks: the model computes exactly the plain
// projection again (the non-LoRA path is the unhooked one).
TEST(LoraAdapter, DetachedAdaptersLeaveThePlainModel) {
  at::set_num_threads(1);
  auto model = tiny_model(6);
  torch::NoGradGuard ng;
  const auto ids = some_ids();
  auto plain = model->forward(ids);
  {
    train::TrainableLm lm(model, train::LoraSettings{4, 8.0, 0.0, kTargets});
    randomize_b(lm);
    EXPECT_GT(max_abs_diff(lm.logits(ids), plain), 1e-3);
  }
  EXPECT_TRUE(torch::equal(model->forward(ids), plain));
  // Full fine-tuning attaches nothing.
  train::TrainableLm full(model, std::nullopt);
  EXPECT_FALSE(full.uses_lora());
  EXPECT_TRUE(torch::equal(full.logits(ids), plain));
}

TEST(LoraAdapter, TargetsThatMatchNothingAreRejected) {
  auto model = tiny_model(7);
  try {
    train::TrainableLm lm(model, train::LoraSettings{4, 8.0, 0.0, {"W_pack", "qproj"}});
    FAIL() << "expected no match";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "lora.target_modules [W_pack, qproj] match no projection of the model");
  }
}

}  // namespace
}  // namespace qb
