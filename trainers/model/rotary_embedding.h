// Rotary position embeddings in the Hugging Face "rotate half" convention:
// the head dimension is split into halves (x1, x2) and rotated as
// (x1*cos - x2*sin, x2*cos + x1*sin) with frequencies theta^(-2i/d).
// For use inside trainers/ only (includes torch).
#pragma once

#include <torch/torch.h>

namespace qb {

struct RotaryTables {
  torch::Tensor cos, sin;  // [B, 1, T, head_dim], broadcast over heads
};

class RotaryEmbedding {
 public:
  // linear_factor: HF's rope_scaling {"type": "linear", "factor": f} divides positions by f.
  RotaryEmbedding(int64_t head_dim, double theta, double linear_factor = 1.0);
  // Tables for position ids [B, T] (int64).
  RotaryTables tables(const torch::Tensor& position_ids) const;

 private:
  torch::Tensor inv_freq_;  // [head_dim/2], float32 as HF computes it
  double linear_factor_ = 1.0;
};

// q or k [B, heads, T, head_dim] rotated by the tables.
torch::Tensor apply_rotary(const torch::Tensor& x, const RotaryTables& t);

}  // namespace qb
