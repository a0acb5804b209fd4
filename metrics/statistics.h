// Interval estimates and paired significance tests (SPEC §4 "Statistics").
#pragma once

#include <cstdint>

#include <cstddef>

#include "metrics/mt19937_64.h"
#include <vector>

namespace qb {

struct Interval {
  double lo = 0, hi = 0;
};

// Wilson score interval for `successes` out of `n` at 95 % (z = 1.959963984540054), as
// proportions in [0, 1]. n = 0 gives [0, 1] (nothing is known).
Interval wilson_interval(int64_t successes, int64_t n);

// Two-sided exact McNemar test: binomial(b + c, 1/2) on the discordant pairs,
// p = min(1, 2 * P[X <= min(b, c)]); p = 1 when there is no discordant pair.
double mcnemar_exact_p(int64_t b, int64_t c);

// Deterministic resampling with replacement: a 64-bit Mersenne Twister (std::mt19937_64,
// whose output sequence the C++ standard fixes) and unbiased rejection sampling for indices,
// so a seed gives the same resamples with every standard library.
class BootstrapSampler {
 public:
  explicit BootstrapSampler(uint64_t seed);
  // Fills `counts` (size n) with how often each index is drawn in one resample of size n.
  void resample_counts(size_t n, std::vector<uint32_t>& counts);
  // Consumes the draws of `resamples` calls of resample_counts(n, ...) without counting, so a
  // second sampler with the same seed can start at a later resample (parallel bootstrap).
  void skip_resamples(size_t n, size_t resamples);
  // The next `k` indices below `bound` (>= 1), as resample_counts draws them, passed to
  // visit(index) in order. Public so tests can check the rejection path with bounds near
  // 2^64, where it is taken often (for bootstrap sizes it almost never is).
  template <class Visit>
  void draw(uint64_t bound, size_t k, Visit&& visit);

 private:
  Mt19937_64 engine_;  // std::mt19937_64's sequence (mt19937_64.h)
};

template <class Visit>
void BootstrapSampler::draw(uint64_t bound, size_t k, Visit&& visit) {
  // Rejection drops the top partial block of 2^64 so every residue is equally likely; x % n
  // comes from the reciprocal m = floor((2^64-1)/n) without a 64-bit division:
  // q = floor(x*m / 2^64) is floor(x/n) or one less, so r = x - q*n is in [0, 2n) and one
  // correction gives exactly x % n. The engine's outputs are read a block at a time in place.
  const uint64_t limit = ~uint64_t{0} - (~uint64_t{0} % bound);
  const uint64_t m = ~uint64_t{0} / bound;
  while (k > 0) {
    const uint64_t* x;
    const size_t got = engine_.take(x, k);
    size_t used = 0;
    for (size_t i = 0; i < got; ++i) {
      if (__builtin_expect(x[i] >= limit, 0)) continue;  // rejected: replaced by the next output
      const uint64_t q = static_cast<uint64_t>((static_cast<unsigned __int128>(x[i]) * m) >> 64);
      uint64_t r = x[i] - q * bound;
      if (r >= bound) r -= bound;
      visit(r);
      ++used;
    }
    k -= used;
  }
}

// Percentile of sorted values with linear interpolation between closest ranks
// (numpy's default): q in [0, 1], position q * (size - 1).
double percentile_sorted(const std::vector<double>& sorted, double q);

// 2.5 % and 97.5 % percentiles of `values` (sorted in place).
Interval percentile_interval_95(std::vector<double>& values);

// Paired bootstrap p-value in the style of Koehn (2004): over resamples of the items, the
// fraction in which the observed winner does not win (delta* <= 0 when the observed delta =
// b - a > 0; delta* >= 0 when it is < 0); 1 when the observed delta is exactly 0.
double paired_bootstrap_p(double observed_delta, const std::vector<double>& resampled_deltas);

}  // namespace qb
