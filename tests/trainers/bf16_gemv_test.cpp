// The bf16 decode kernel against an fp32 product of the same bf16 inputs.
#include <gtest/gtest.h>

#include "trainers/model/bf16_gemv.h"

namespace qb {
namespace {

TEST(Bf16Gemv, EqualsTheFp32ProductRoundedOnceToBf16) {
  torch::manual_seed(3);
  const int64_t in = 4096 + 37, out = 300;  // 37: the scalar tail after the 64-wide body
  auto w = torch::randn({out, in}).to(torch::kBFloat16);
  torch::NoGradGuard ng;
  if (!bf16_gemv_applies(torch::zeros({1, in}, torch::kBFloat16), w)) GTEST_SKIP() << "CPU without AVX512-BF16";
  for (int64_t rows = 1; rows <= 4; ++rows) {
    auto x = torch::randn({1, rows, in}).to(torch::kBFloat16);
    auto got = bf16_gemv(x, w);
    ASSERT_EQ(got.sizes(), torch::IntArrayRef({1, rows, out}));
    ASSERT_EQ(got.scalar_type(), torch::kBFloat16);
    auto exact = at::linear(x.to(torch::kDouble), w.to(torch::kDouble));
    // One rounding to bf16 (relative 2^-8 of the result) plus fp32 accumulation over `in` products
    // (in x 2^-24 x sum |x||w|, bounded generously by 1e-4 x sum |x||w|).
    auto bound = exact.abs() * std::pow(2.0, -8) +
                 at::linear(x.to(torch::kDouble).abs(), w.to(torch::kDouble).abs()) * 1e-4;
    auto err = (got.to(torch::kDouble) - exact).abs();
    EXPECT_TRUE((err <= bound).all().item<bool>()) << "rows " << rows << " worst excess "
                                                     << (err - bound).max().item<double>();
    // And within one bf16 step of what at::linear itself returns.
    auto ref = at::linear(x, w).to(torch::kDouble);
    EXPECT_TRUE(((got.to(torch::kDouble) - ref).abs() <= ref.abs() * std::pow(2.0, -7) + 1e-3).all().item<bool>());
  }
}

// Split over libtorch's threads (its own OpenMP runtime), each output computed by one thread as
// with one thread: the same bits. (at::parallel_for would run it on one thread: this project's
// files are compiled without OpenMP.)
TEST(Bf16Gemv, TwoThreadsShareTheWorkAndGiveTheSameBits) {
  ASSERT_NE(at::get_parallel_info().find("ATen parallel backend: OpenMP"), std::string::npos);
  EXPECT_TRUE(bf16_gemv_splits_over_threads());
  torch::manual_seed(5);
  auto w = torch::randn({1000, 640}).to(torch::kBFloat16);
  auto x = torch::randn({3, 640}).to(torch::kBFloat16);
  torch::NoGradGuard ng;
  if (!bf16_gemv_applies(x, w)) GTEST_SKIP() << "CPU without AVX512-BF16";
  const int before = at::get_num_threads();
  at::set_num_threads(1);
  auto one = bf16_gemv(x, w);
  at::set_num_threads(2);
  auto two = bf16_gemv(x, w);
  at::set_num_threads(before);
  EXPECT_TRUE(torch::equal(one, two));
}

TEST(Bf16Gemv, AppliesOnlyToBf16InferenceWithFewRows) {
  auto w = torch::randn({8, 64}).to(torch::kBFloat16);
  torch::NoGradGuard ng;
  if (!bf16_gemv_applies(torch::zeros({1, 64}, torch::kBFloat16), w)) GTEST_SKIP() << "CPU without AVX512-BF16";
  EXPECT_TRUE(bf16_gemv_applies(torch::zeros({2, 2, 64}, torch::kBFloat16), w));
  EXPECT_FALSE(bf16_gemv_applies(torch::zeros({5, 64}, torch::kBFloat16), w));  // prefill: GEMM
  EXPECT_FALSE(bf16_gemv_applies(torch::zeros({1, 64}), w.to(torch::kFloat32)));  // fp32
  EXPECT_FALSE(bf16_gemv_applies(torch::zeros({1, 64}, torch::kBFloat16), w.t().contiguous().t()));
  {
    torch::AutoGradMode on(true);
    EXPECT_FALSE(bf16_gemv_applies(torch::zeros({1, 64}, torch::kBFloat16), w.clone().requires_grad_(true)));
  }
}

}  // namespace
}  // namespace qb
