// The DPO objective on per-sequence log-probabilities (Rafailov et al. 2023), with IPO
// (Azar et al. 2023) as an option. Internal to trainers/ (includes torch).
#pragma once

#include <torch/torch.h>

#include <string>

namespace qb::train {

enum class PreferenceLoss { kSigmoid, kIpo };
PreferenceLoss parse_preference_loss(const std::string& name);  // "sigmoid" | "ipo"

struct DpoOutput {
  torch::Tensor loss;  // scalar, differentiable through the policy log-probs
  // Batch means, detached: the numbers TRL logs under the same names.
  double rewards_chosen = 0, rewards_rejected = 0, rewards_accuracies = 0, rewards_margins = 0;
  double logps_chosen = 0, logps_rejected = 0;
};

// All inputs are [B]. For sigmoid: logits = (pc - pr) - (rc - rr),
// loss = mean(-logsigmoid(beta * logits)). For IPO: loss = mean((logits - 1/(2 beta))^2), and the
// caller passes length-averaged log-probs (as the IPO paper and TRL do).
// rewards/chosen = beta * (pc - rc), rewards/rejected = beta * (pr - rr); accuracy counts
// chosen > rejected strictly.
DpoOutput dpo_loss(const torch::Tensor& policy_chosen, const torch::Tensor& policy_rejected,
                   const torch::Tensor& ref_chosen, const torch::Tensor& ref_rejected, double beta,
                   PreferenceLoss kind);

}  // namespace qb::train
