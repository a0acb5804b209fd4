#include "trainers/model/rms_norm.h"

namespace qb {

RMSNormImpl::RMSNormImpl(int64_t dim, double eps) : eps_(eps) {
  weight = register_parameter("weight", torch::ones({dim}));
}

torch::Tensor RMSNormImpl::forward(const torch::Tensor& x) {
  auto h = x.to(torch::kFloat32);
  auto inv_rms = torch::rsqrt(h.pow(2).mean(-1, /*keepdim=*/true) + eps_);
  return weight * (h * inv_rms).to(x.scalar_type());
}

}  // namespace qb
