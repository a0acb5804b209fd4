#include "trainers/model/rotary_embedding.h"

namespace qb {

RotaryEmbedding::RotaryEmbedding(int64_t head_dim, double theta, double linear_factor) : linear_factor_(linear_factor) {
  auto exponents = torch::arange(0, head_dim, 2, torch::kInt64).to(torch::kFloat32) / static_cast<double>(head_dim);
  inv_freq_ = 1.0 / torch::pow(torch::full({}, theta, torch::kFloat32), exponents);
}

RotaryTables RotaryEmbedding::tables(const torch::Tensor& position_ids) const {
  // [B, T, 1] * [d/2] -> [B, T, d/2]; duplicated so both halves see the same angle.
  auto t = position_ids.to(torch::kFloat32);
  if (linear_factor_ != 1.0) t = t / linear_factor_;  // as HF's LlamaLinearScalingRotaryEmbedding
  auto freqs = t.unsqueeze(-1) * inv_freq_;
  auto emb = torch::cat({freqs, freqs}, -1).unsqueeze(1);
  return {emb.cos(), emb.sin()};
}

torch::Tensor apply_rotary(const torch::Tensor& x, const RotaryTables& t) {
  // bf16 inference: rotate in float32 and round once, rather than rounding the tables and
  // both products to 8 mantissa bits (the angles of far positions would lose the most).
  if (x.scalar_type() != torch::kFloat32) return apply_rotary(x.to(torch::kFloat32), t).to(x.scalar_type());
  const int64_t half = x.size(-1) / 2;
  auto x1 = x.narrow(-1, 0, half);
  auto x2 = x.narrow(-1, half, half);
  auto rotated = torch::cat({-x2, x1}, -1);
  return x * t.cos + rotated * t.sin;
}

}  // namespace qb
