#include "trainers/model/bf16_gemv.h"

#include <immintrin.h>

#include <cstring>

#include <ATen/Parallel.h>

namespace qb {

namespace {

constexpr int64_t kMaxRows = 4;

bool cpu_has_avx512_bf16() {
  static const bool has = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bf16");
  return has;
}

// y[r][o] for o in [o0, o1): 32 bf16 products per instruction into fp32 lanes, two accumulators
// per row so consecutive dot products do not wait on each other; the tail (in % 32) in scalar fp32.
template <int R>
__attribute__((target("avx512f,avx512bf16"))) void rows_kernel(const uint16_t* x, const uint16_t* w, int64_t in,
                                                                  int64_t out, int64_t o0, int64_t o1, float* y) {
  const int64_t body = in - in % 64;
  for (int64_t o = o0; o < o1; ++o) {
    const uint16_t* wr = w + o * in;
    __m512 acc0[R], acc1[R];
    for (int r = 0; r < R; ++r) acc0[r] = _mm512_setzero_ps(), acc1[r] = _mm512_setzero_ps();
    for (int64_t i = 0; i < body; i += 64) {
      const __m512bh w0 = (__m512bh)_mm512_loadu_si512(wr + i);
      const __m512bh w1 = (__m512bh)_mm512_loadu_si512(wr + i + 32);
      for (int r = 0; r < R; ++r) {
        acc0[r] = _mm512_dpbf16_ps(acc0[r], (__m512bh)_mm512_loadu_si512(x + r * in + i), w0);
        acc1[r] = _mm512_dpbf16_ps(acc1[r], (__m512bh)_mm512_loadu_si512(x + r * in + i + 32), w1);
      }
    }
    for (int r = 0; r < R; ++r) {
      float s = _mm512_reduce_add_ps(_mm512_add_ps(acc0[r], acc1[r]));
      for (int64_t i = body; i < in; ++i) {
        uint32_t a = static_cast<uint32_t>(x[r * in + i]) << 16, b = static_cast<uint32_t>(wr[i]) << 16;
        float fa, fb;
        std::memcpy(&fa, &a, 4);
        std::memcpy(&fb, &b, 4);
        s += fa * fb;
      }
      y[r * out + o] = s;
    }
  }
}

}  // namespace

bool bf16_gemv_applies(const torch::Tensor& x, const torch::Tensor& w) {
  if (x.scalar_type() != torch::kBFloat16 || w.scalar_type() != torch::kBFloat16) return false;
  if (w.dim() != 2 || !w.is_contiguous() || x.dim() < 1 || x.size(-1) != w.size(1)) return false;
  if (torch::GradMode::is_enabled() && (x.requires_grad() || w.requires_grad())) return false;
  const int64_t in = w.size(1);
  return in > 0 && x.numel() / in <= kMaxRows && x.numel() > 0 && cpu_has_avx512_bf16();
}

torch::Tensor bf16_gemv(const torch::Tensor& x, const torch::Tensor& w) {
  const int64_t in = w.size(1), out = w.size(0), rows = x.numel() / in;
  auto xc = x.contiguous();
  auto y = torch::empty({rows, out}, torch::kFloat32);
  const auto* xp = reinterpret_cast<const uint16_t*>(xc.data_ptr<at::BFloat16>());
  const auto* wp = reinterpret_cast<const uint16_t*>(w.data_ptr<at::BFloat16>());
  float* yp = y.data_ptr<float>();
  // Grain: 64 output rows (~0.5 MB of a 4096-wide weight) per task.
  at::parallel_for(0, out, 64, [&](int64_t o0, int64_t o1) {
    switch (rows) {
      case 1: rows_kernel<1>(xp, wp, in, out, o0, o1, yp); break;
      case 2: rows_kernel<2>(xp, wp, in, out, o0, o1, yp); break;
      case 3: rows_kernel<3>(xp, wp, in, out, o0, o1, yp); break;
      default: rows_kernel<4>(xp, wp, in, out, o0, o1, yp); break;
    }
  });
  auto sizes = x.sizes().vec();
  sizes.back() = out;
  return y.to(torch::kBFloat16).view(sizes);
}

}  // namespace qb
