// DPO loss and rewards against an independent python3-torch computation, plus exact values.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "tests/testing/testing.h"
#include "trainers/train/dpo_loss.h"

namespace qb::train {
namespace {

using nlohmann::json;

std::vector<double> to_vec(const torch::Tensor& t) {
  auto c = t.contiguous().to(torch::kFloat64);
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

TEST(TrainDpo, SigmoidLossExactOnOnePair) {
  // policy margin (−1 − −3) = 2, reference margin (−2 − −2) = 0 → logits 2, beta 0.5 → loss
  // −log σ(1) = log(1 + e^−1).
  auto pc = torch::tensor({-1.0}, torch::kFloat64), pr = torch::tensor({-3.0}, torch::kFloat64);
  auto rc = torch::tensor({-2.0}, torch::kFloat64), rr = torch::tensor({-2.0}, torch::kFloat64);
  auto o = dpo_loss(pc, pr, rc, rr, 0.5, PreferenceLoss::kSigmoid);
  EXPECT_DOUBLE_EQ(o.loss.item<double>(), std::log1p(std::exp(-1.0)));
  EXPECT_DOUBLE_EQ(o.rewards_chosen, 0.5);
  EXPECT_DOUBLE_EQ(o.rewards_rejected, -0.5);
  EXPECT_DOUBLE_EQ(o.rewards_margins, 1.0);
  EXPECT_DOUBLE_EQ(o.rewards_accuracies, 1.0);
  EXPECT_DOUBLE_EQ(o.logps_chosen, -1.0);
  EXPECT_DOUBLE_EQ(o.logps_rejected, -3.0);
  // At initialisation (policy == reference) the loss is log 2 whatever the log-probs.
  auto z = dpo_loss(rc, rr, rc, rr, 0.1, PreferenceLoss::kSigmoid);
  EXPECT_DOUBLE_EQ(z.loss.item<double>(), std::log(2.0));
  EXPECT_DOUBLE_EQ(z.rewards_accuracies, 0.0);  // ties are not wins
}

TEST(TrainDpo, RejectsBadSettings) {
  auto t = torch::zeros({1}, torch::kFloat64);
  EXPECT_THROW(dpo_loss(t, t, t, t, 0.0, PreferenceLoss::kSigmoid), std::invalid_argument);
  try {
    parse_preference_loss("hinge");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "unknown DPO loss 'hinge' (expected sigmoid or ipo)");
  }
}

// The same random log-probs through C++ and through tests/trainers/train_dpo_reference.py.
void check_against_python(PreferenceLoss kind, const std::string& name, double beta) {
  torch::manual_seed(7);
  const int64_t B = 37;
  auto pc = (-torch::rand({B}, torch::kFloat64) * 40).set_requires_grad(true);
  auto pr = (-torch::rand({B}, torch::kFloat64) * 40).set_requires_grad(true);
  auto rc = -torch::rand({B}, torch::kFloat64) * 40;
  auto rr = -torch::rand({B}, torch::kFloat64) * 40;
  auto o = dpo_loss(pc, pr, rc, rr, beta, kind);
  o.loss.backward();

  json req = {{"beta", beta}, {"loss", name}, {"policy_chosen", to_vec(pc)}, {"policy_rejected", to_vec(pr)},
              {"ref_chosen", to_vec(rc)}, {"ref_rejected", to_vec(rr)}};
  auto res = qb::testing::run_command(
      {"/usr/bin/python3", (qb::testing::source_dir() / "tests/trainers/train_dpo_reference.py").string()},
      req.dump());
  ASSERT_EQ(res.exit_code, 0) << res.err;
  json py = json::parse(res.out);
  EXPECT_NEAR(o.loss.item<double>(), py["loss"].get<double>(), 1e-6);
  EXPECT_NEAR(o.rewards_chosen, py["rewards/chosen"].get<double>(), 1e-6);
  EXPECT_NEAR(o.rewards_rejected, py["rewards/rejected"].get<double>(), 1e-6);
  EXPECT_NEAR(o.rewards_accuracies, py["rewards/accuracies"].get<double>(), 1e-6);
  EXPECT_NEAR(o.rewards_margins, py["rewards/margins"].get<double>(), 1e-6);
  EXPECT_NEAR(o.logps_chosen, py["logps/chosen"].get<double>(), 1e-6);
  EXPECT_NEAR(o.logps_rejected, py["logps/rejected"].get<double>(), 1e-6);
  auto gc = to_vec(pc.grad()), gr = to_vec(pr.grad());
  auto pgc = py["grad_policy_chosen"].get<std::vector<double>>();
  auto pgr = py["grad_policy_rejected"].get<std::vector<double>>();
  ASSERT_EQ(gc.size(), pgc.size());
  for (size_t i = 0; i < gc.size(); ++i) {
    EXPECT_NEAR(gc[i], pgc[i], 1e-9) << i;
    EXPECT_NEAR(gr[i], pgr[i], 1e-9) << i;
  }
  // The data was drawn so that both outcomes occur: the accuracy is a real fraction.
  EXPECT_GT(o.rewards_accuracies, 0.0);
  EXPECT_LT(o.rewards_accuracies, 1.0);
}

TEST(TrainDpo, SigmoidMatchesPythonTorch) { check_against_python(PreferenceLoss::kSigmoid, "sigmoid", 0.1); }
TEST(TrainDpo, IpoMatchesPythonTorch) { check_against_python(PreferenceLoss::kIpo, "ipo", 0.1); }
TEST(TrainDpo, SigmoidLargeBetaMatchesPythonTorch) {
  check_against_python(PreferenceLoss::kSigmoid, "sigmoid", 2.5);  // saturating logsigmoid
}

}  // namespace
}  // namespace qb::train
