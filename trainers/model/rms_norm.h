// RMSNorm (Zhang & Sennrich 2019) as LLaMA uses it; libtorch 1.13's C++ API has none.
// For use inside trainers/ only (includes torch).
#pragma once

#include <torch/torch.h>

namespace qb {

class RMSNormImpl : public torch::nn::Module {
 public:
  RMSNormImpl(int64_t dim, double eps);
  // x * rsqrt(mean(x^2) + eps) * weight over the last dimension, computed in float32
  // like Hugging Face's LlamaRMSNorm, then cast back to x's dtype.
  torch::Tensor forward(const torch::Tensor& x);

  torch::Tensor weight;

 private:
  double eps_;
};
TORCH_MODULE(RMSNorm);

}  // namespace qb
