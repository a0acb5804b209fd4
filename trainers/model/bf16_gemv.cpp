#include "trainers/model/bf16_gemv.h"

#include <dlfcn.h>
#include <immintrin.h>

#include <algorithm>
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

// The threads. at::parallel_for cannot split this work: it is a header template that runs
// serially unless the including file is compiled with OpenMP (`_OPENMP`), and this project compiles
// with clang, whose OpenMP needs libomp, a second runtime beside the libgomp that libtorch uses (two
// pools of threads competing for 2 cores). Measured before this (2026-12-06, 7B bf16, 2 threads): every
// kernel sample on one thread, 1.27 s per single-token forward. So the kernel goes straight to
// libtorch's own libgomp through the entry point that gcc's `#pragma omp parallel` compiles to
// (GOMP_parallel, stable since GCC 4.9), found in the running process; it is there whenever libtorch
// is, and the work runs serially if it is not.
using GompParallel = void (*)(void (*)(void*), void*, unsigned, unsigned);
using GompInt = int (*)();
struct Gomp {
  GompParallel parallel = nullptr;
  GompInt thread_num = nullptr, num_threads = nullptr;
};
const Gomp& gomp() {
  static const Gomp g = [] {
    Gomp r;
    r.parallel = reinterpret_cast<GompParallel>(dlsym(RTLD_DEFAULT, "GOMP_parallel"));
    r.thread_num = reinterpret_cast<GompInt>(dlsym(RTLD_DEFAULT, "omp_get_thread_num"));
    r.num_threads = reinterpret_cast<GompInt>(dlsym(RTLD_DEFAULT, "omp_get_num_threads"));
    if (!r.thread_num || !r.num_threads) r.parallel = nullptr;
    return r;
  }();
  return g;
}

struct GemvJob {
  const uint16_t* x;  // bf16 [rows, in]
  const uint16_t* w;  // bf16 [out, in]
  int64_t in, out, rows;
  float* y;  // fp32 [rows, out]
};

// Rows [o0, o1) of the output for every row of x.
void run_rows(const GemvJob& j, int64_t o0, int64_t o1) {
  switch (j.rows) {
    case 1: rows_kernel<1>(j.x, j.w, j.in, j.out, o0, o1, j.y); break;
    case 2: rows_kernel<2>(j.x, j.w, j.in, j.out, o0, o1, j.y); break;
    case 3: rows_kernel<3>(j.x, j.w, j.in, j.out, o0, o1, j.y); break;
    default: rows_kernel<4>(j.x, j.w, j.in, j.out, o0, o1, j.y); break;
  }
}

// One thread's share: a contiguous run of whole 64-row blocks, so each thread streams one long
// stretch of the weight.
void run_share(void* p) {
  const auto& j = *static_cast<const GemvJob*>(p);
  const int64_t t = gomp().thread_num(), n = gomp().num_threads();
  const int64_t blocks = (j.out + 63) / 64;
  const int64_t o0 = std::min(j.out, blocks * t / n * 64), o1 = std::min(j.out, blocks * (t + 1) / n * 64);
  if (o0 < o1) run_rows(j, o0, o1);
}

}  // namespace

bool bf16_gemv_applies(const torch::Tensor& x, const torch::Tensor& w) {
  if (x.scalar_type() != torch::kBFloat16 || w.scalar_type() != torch::kBFloat16) return false;
  if (w.dim() != 2 || !w.is_contiguous() || x.dim() < 1 || x.size(-1) != w.size(1)) return false;
  if (torch::GradMode::is_enabled() && (x.requires_grad() || w.requires_grad())) return false;
  const int64_t in = w.size(1);
  return in > 0 && x.numel() / in <= kMaxRows && x.numel() > 0 && cpu_has_avx512_bf16();
}

bool bf16_gemv_splits_over_threads() { return gomp().parallel != nullptr; }

torch::Tensor bf16_gemv(const torch::Tensor& x, const torch::Tensor& w) {
  const int64_t in = w.size(1), out = w.size(0), rows = x.numel() / in;
  auto xc = x.contiguous();
  auto y = torch::empty({rows, out}, torch::kFloat32);
  const auto* xp = reinterpret_cast<const uint16_t*>(xc.data_ptr<at::BFloat16>());
  const auto* wp = reinterpret_cast<const uint16_t*>(w.data_ptr<at::BFloat16>());
  GemvJob job{xp, wp, in, out, rows, y.data_ptr<float>()};
  const int threads = at::get_num_threads();
  if (threads > 1 && out >= 128 && gomp().parallel && !at::in_parallel_region())
    gomp().parallel(run_share, &job, static_cast<unsigned>(threads), 0);
  else
    run_rows(job, 0, out);
  auto sizes = x.sizes().vec();
  sizes.back() = out;
  return y.to(torch::kBFloat16).view(sizes);
}

}  // namespace qb
