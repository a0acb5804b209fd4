// Wilson interval, exact McNemar, seeded bootstrap, percentiles, paired bootstrap p-value.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "metrics/statistics.h"

namespace qb {
namespace {

TEST(Wilson, KnownValues) {
  // 40 of 100: centre (0.4 + z^2/200) / (1 + z^2/100), half-width z sqrt(0.0024 + z^2/40000) / (1 + z^2/100).
  const double z = 1.959963984540054, z2 = z * z;
  const double centre = (0.4 + z2 / 200) / (1 + z2 / 100);
  const double half = z * std::sqrt(0.0024 + z2 / 40000) / (1 + z2 / 100);
  const Interval w = wilson_interval(40, 100);
  EXPECT_DOUBLE_EQ(w.lo, centre - half);
  EXPECT_DOUBLE_EQ(w.hi, centre + half);
  EXPECT_NEAR(w.lo, 0.3094, 5e-5);  // the textbook value
  EXPECT_NEAR(w.hi, 0.4980, 5e-5);
  // All correct: the upper end is 1, the lower end n / (n + z^2).
  const Interval all = wilson_interval(10, 10);
  EXPECT_DOUBLE_EQ(all.hi, 1.0);
  EXPECT_NEAR(all.lo, 10.0 / (10.0 + z2), 1e-15);
  const Interval none = wilson_interval(0, 0);
  EXPECT_EQ(none.lo, 0.0);
  EXPECT_EQ(none.hi, 1.0);
}

TEST(McNemar, ExactBinomialTails) {
  // b = 1, c = 9: 2 * P[X <= 1], X ~ Bin(10, 1/2) = 2 * 11 / 1024.
  EXPECT_NEAR(mcnemar_exact_p(1, 9), 22.0 / 1024.0, 1e-15);
  EXPECT_NEAR(mcnemar_exact_p(9, 1), 22.0 / 1024.0, 1e-15);
  EXPECT_EQ(mcnemar_exact_p(5, 5), 1.0);  // 2 * P[X <= 5] > 1 is capped
  EXPECT_EQ(mcnemar_exact_p(0, 0), 1.0);
  EXPECT_NEAR(mcnemar_exact_p(0, 3), 2.0 / 8.0, 1e-15);
  // Large n stays finite and tiny: b = 100, c = 300.
  const double p = mcnemar_exact_p(100, 300);
  EXPECT_GT(p, 0.0);
  EXPECT_LT(p, 1e-20);
}

TEST(Bootstrap, SameSeedSameResamplesDifferentSeedDifferent) {
  BootstrapSampler a(42), b(42), c(43);
  std::vector<uint32_t> x, y, z;
  a.resample_counts(1000, x);
  b.resample_counts(1000, y);
  c.resample_counts(1000, z);
  EXPECT_EQ(x, y);
  EXPECT_NE(x, z);
  uint64_t total = 0;
  for (auto v : x) total += v;
  EXPECT_EQ(total, 1000u);
}

// The block-generated Mersenne Twister is std::mt19937_64, output for output.
TEST(Mt19937_64, SameSequenceAsTheStandardEngine) {
  for (uint64_t seed : {uint64_t{0}, uint64_t{1}, uint64_t{12345}, ~uint64_t{0}, uint64_t{5489}}) {
    Mt19937_64 ours(seed);
    std::mt19937_64 standard(seed);
    for (int i = 0; i < 200000; ++i) ASSERT_EQ(ours(), standard()) << "seed " << seed << " output " << i;
  }
  // The standard's fixed check value: the 10000th output of a default-seeded mt19937_64.
  Mt19937_64 five(5489);
  uint64_t v = 0;
  for (int i = 0; i < 10000; ++i) v = five();
  EXPECT_EQ(v, 9981545732273789042ull);
}

// The sampler's division-free index computation draws exactly what "mt19937_64 output modulo
// n, rejecting outputs at or above the largest multiple of n" draws.
TEST(Bootstrap, CountsEqualPlainModuloRejectionSampling) {
  for (size_t n : {size_t{1}, size_t{2}, size_t{3}, size_t{7}, size_t{1000}, size_t{6000}, size_t{65537}}) {
    BootstrapSampler sampler(99);
    std::mt19937_64 engine(99);
    const uint64_t limit = ~uint64_t{0} - (~uint64_t{0} % n);
    std::vector<uint32_t> counts, expected;
    for (int r = 0; r < 3; ++r) {
      sampler.resample_counts(n, counts);
      expected.assign(n, 0);
      for (size_t i = 0; i < n; ++i) {
        uint64_t x;
        do x = engine();
        while (x >= limit);
        ++expected[x % n];
      }
      ASSERT_EQ(counts, expected) << "n " << n << " resample " << r;
    }
  }
}

// Bounds just above 2^63 reject almost half of the engine's outputs: the block-wise draw
// skips exactly the rejected outputs, across block boundaries, and reduces the rest exactly.
TEST(Bootstrap, DrawRejectsLikePlainRejectionSamplingNearTwoToThe64) {
  // {bound, whether rejections are frequent}
  for (auto [bound, frequent] : std::vector<std::pair<uint64_t, bool>>{
           {(uint64_t{1} << 63) + 12345, true}, {(uint64_t{3} << 62) + 1, true}, {~uint64_t{0} - 7, false}, {6000, false}}) {
    BootstrapSampler sampler(7);
    std::mt19937_64 engine(7);
    const uint64_t limit = ~uint64_t{0} - (~uint64_t{0} % bound);
    std::vector<uint64_t> got, expected;
    sampler.draw(bound, 1000, [&](uint64_t r) { got.push_back(r); });
    size_t rejected = 0;
    for (int i = 0; i < 1000; ++i) {
      uint64_t x;
      while ((x = engine()) >= limit) ++rejected;
      expected.push_back(x % bound);
    }
    ASSERT_EQ(got, expected) << "bound " << bound;
    if (frequent) EXPECT_GT(rejected, 100u) << "bound " << bound;  // the path was taken
    // The next draw continues where both left off.
    uint64_t next = 0;
    sampler.draw(bound, 1, [&](uint64_t r) { next = r; });
    uint64_t x;
    while ((x = engine()) >= limit) {
    }
    EXPECT_EQ(next, x % bound);
  }
}

TEST(Bootstrap, SkippingResamplesLandsOnTheSameLaterResamples) {
  BootstrapSampler all(5), skipping(5);
  std::vector<uint32_t> a, b;
  for (int r = 0; r < 7; ++r) all.resample_counts(6000, a);
  skipping.skip_resamples(6000, 6);
  skipping.resample_counts(6000, b);
  EXPECT_EQ(a, b);
}

TEST(Percentile, LinearInterpolationLikeNumpy) {
  std::vector<double> v = {1, 2, 3, 4, 5};
  EXPECT_DOUBLE_EQ(percentile_sorted(v, 0.5), 3.0);
  EXPECT_DOUBLE_EQ(percentile_sorted(v, 0.025), 1.1);  // position 0.1
  EXPECT_DOUBLE_EQ(percentile_sorted(v, 0.975), 4.9);
  std::vector<double> unsorted = {5, 1, 4, 2, 3};
  const Interval i = percentile_interval_95(unsorted);
  EXPECT_DOUBLE_EQ(i.lo, 1.1);
  EXPECT_DOUBLE_EQ(i.hi, 4.9);
}

TEST(PairedBootstrap, FractionOfResamplesWhereTheWinnerDoesNotWin) {
  EXPECT_DOUBLE_EQ(paired_bootstrap_p(1.0, {0.5, -0.1, 0.0, 2.0}), 0.5);
  EXPECT_DOUBLE_EQ(paired_bootstrap_p(-1.0, {0.5, -0.1, 0.0, -2.0}), 0.5);
  EXPECT_DOUBLE_EQ(paired_bootstrap_p(0.0, {1.0}), 1.0);
}

}  // namespace
}  // namespace qb
