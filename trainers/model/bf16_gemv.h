// x·Wᵀ for bf16 decode steps. torch 1.13's oneDNN bf16 path reads a weight matrix at ~10-16 GB/s
// for one row of x (TOOLCHAIN.md; docs/BENCHMARKS.md "7B-shaped bf16 checkpoint"), a fraction of
// the memory bandwidth, and a decode step is nothing but such products. This kernel streams each
// weight row once for up to 4 rows of x with AVX512-BF16 dot products (fp32 accumulation), split
// over the torch threads. For use inside trainers/ only (includes torch).
#pragma once

#include <torch/torch.h>

namespace qb {

// True when `x` (bf16 [..., in], at most 4 rows) and `w` (bf16 [out, in], contiguous) go to the
// kernel: no autograd, and the CPU has AVX512-BF16.
bool bf16_gemv_applies(const torch::Tensor& x, const torch::Tensor& w);

// True when bf16_gemv can split its work over libtorch's threads (libtorch's OpenMP runtime is
// in the process).
bool bf16_gemv_splits_over_threads();

// x·Wᵀ as bf16 [..., out]: each output is an fp32 sum of bf16 products rounded once to bf16, as
// at::linear's result (the summation order differs, so the two can differ by one bf16 ulp).
// Requires bf16_gemv_applies(x, w).
torch::Tensor bf16_gemv(const torch::Tensor& x, const torch::Tensor& w);

// at::linear(x, w), or bf16_gemv when it applies.
inline torch::Tensor project(const torch::Tensor& x, const torch::Tensor& w) {
  return bf16_gemv_applies(x, w) ? bf16_gemv(x, w) : at::linear(x, w);
}

}  // namespace qb
