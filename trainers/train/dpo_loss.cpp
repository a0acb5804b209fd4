#include "trainers/train/dpo_loss.h"

#include <stdexcept>

namespace qb::train {

PreferenceLoss parse_preference_loss(const std::string& name) {
  if (name == "sigmoid") return PreferenceLoss::kSigmoid;
  if (name == "ipo") return PreferenceLoss::kIpo;
  throw std::invalid_argument("unknown DPO loss '" + name + "' (expected sigmoid or ipo)");
}

DpoOutput dpo_loss(const torch::Tensor& pc, const torch::Tensor& pr, const torch::Tensor& rc,
                   const torch::Tensor& rr, double beta, PreferenceLoss kind) {
  if (!(beta > 0)) throw std::invalid_argument("DPO beta must be > 0");
  auto logits = (pc - pr) - (rc - rr);
  DpoOutput o;
  if (kind == PreferenceLoss::kSigmoid)
    o.loss = (-torch::log_sigmoid(beta * logits)).mean();
  else
    o.loss = (logits - 1.0 / (2.0 * beta)).pow(2).mean();
  torch::NoGradGuard ng;
  auto chosen = beta * (pc - rc).detach();
  auto rejected = beta * (pr - rr).detach();
  o.rewards_chosen = chosen.mean().item<double>();
  o.rewards_rejected = rejected.mean().item<double>();
  o.rewards_accuracies = (chosen > rejected).to(torch::kFloat64).mean().item<double>();
  o.rewards_margins = (chosen - rejected).mean().item<double>();
  o.logps_chosen = pc.detach().mean().item<double>();
  o.logps_rejected = pr.detach().mean().item<double>();
  return o;
}

}  // namespace qb::train
