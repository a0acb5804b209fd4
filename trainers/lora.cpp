#include "trainers/lora.h"

#include <cmath>

namespace qb::train {

torch::Tensor LoraAdapter::forward(const torch::Tensor& x, const torch::Tensor& W, bool training) const {
  auto base = at::linear(x, W);
  // Dropout draws from the global CPU generator, whose state every checkpoint saves, so a
  // resumed run draws the same masks.
  auto xin = (training && dropout > 0) ? torch::dropout(x, dropout, true) : x;
  // One kernel for base + scale·low-rank (add with alpha) instead of a scaled copy and an add.
  return at::add(base, at::linear(at::linear(xin, A), B), scale);
}

torch::Tensor LoraAdapter::merged(const torch::Tensor& W) const {
  torch::NoGradGuard ng;
  return W + torch::matmul(B, A) * scale;
}

bool lora_targets(const std::string& name, const std::vector<std::string>& targets) {
  for (const auto& t : targets) {
    const std::string needle = "." + t + ".";
    if (("." + name).find(needle) != std::string::npos) return true;
  }
  return false;
}

LoraAdapter make_lora_adapter(const std::string& weight_name, const torch::Tensor& W,
                              const LoraSettings& s) {
  LoraAdapter a;
  a.weight_name = weight_name;
  const int64_t out = W.size(0), in = W.size(1);
  // kaiming_uniform_(a=sqrt(5)) as in torch.nn.Linear and PEFT: bound = 1/sqrt(fan_in).
  const double bound = 1.0 / std::sqrt(static_cast<double>(in));
  a.A = torch::empty({s.rank, in}, W.options()).uniform_(-bound, bound).set_requires_grad(true);
  a.B = torch::zeros({out, s.rank}, W.options()).set_requires_grad(true);
  a.scale = s.scale();
  a.dropout = s.dropout;
  return a;
}

}  // namespace qb::train
