// AdamW with two parameter groups. Internal to trainers/ (includes torch).
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace qb::train {

struct AdamWSettings {
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0.0;
};

using NamedParams = std::vector<std::pair<std::string, torch::Tensor>>;

// Weight decay applies to matrices (dim >= 2: projections, embeddings, output head) and not to
// vectors (RMSNorm gains, biases): decaying a norm gain towards 0 shrinks activations rather
// than regularising (the nanoGPT / LLaMA-Factory rule). Group 0 decays, group 1 does not;
// parameter order inside each group follows `params`, which keeps saved state addressable.
std::unique_ptr<torch::optim::AdamW> make_adamw(const NamedParams& params, const AdamWSettings& s);

// Sets the learning rate of every group (the schedule owns the lr, not the optimizer).
void set_learning_rate(torch::optim::Optimizer& opt, double lr);

}  // namespace qb::train
