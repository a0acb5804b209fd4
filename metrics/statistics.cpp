#include "metrics/statistics.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace qb {

Interval wilson_interval(int64_t successes, int64_t n) {
  if (n <= 0) return {0.0, 1.0};
  const double z = 1.959963984540054;
  const double nn = static_cast<double>(n);
  const double p = static_cast<double>(successes) / nn;
  const double z2 = z * z;
  const double denom = 1.0 + z2 / nn;
  const double center = (p + z2 / (2.0 * nn)) / denom;
  const double half = z * std::sqrt(p * (1.0 - p) / nn + z2 / (4.0 * nn * nn)) / denom;
  return {std::max(0.0, center - half), std::min(1.0, center + half)};
}

double mcnemar_exact_p(int64_t b, int64_t c) {
  if (b < 0 || c < 0) throw std::invalid_argument("mcnemar_exact_p: negative count");
  const int64_t n = b + c;
  if (n == 0) return 1.0;
  const int64_t k = std::min(b, c);
  // P[X <= k] for X ~ Binomial(n, 1/2), summed in log space (n can be thousands).
  const double log_half_n = -static_cast<double>(n) * std::log(2.0);
  const double lg_n1 = std::lgamma(static_cast<double>(n) + 1.0);
  double max_log = -INFINITY;
  std::vector<double> logs;
  logs.reserve(static_cast<size_t>(k) + 1);
  for (int64_t i = 0; i <= k; ++i) {
    const double l = lg_n1 - std::lgamma(static_cast<double>(i) + 1.0) -
                     std::lgamma(static_cast<double>(n - i) + 1.0) + log_half_n;
    logs.push_back(l);
    max_log = std::max(max_log, l);
  }
  double sum = 0;
  for (double l : logs) sum += std::exp(l - max_log);
  const double tail = std::exp(max_log + std::log(sum));
  return std::min(1.0, 2.0 * tail);
}

BootstrapSampler::BootstrapSampler(uint64_t seed) : engine_(seed) {}

void BootstrapSampler::resample_counts(size_t n, std::vector<uint32_t>& counts) {
  counts.assign(n, 0);
  if (n == 0) return;
  uint32_t* c = counts.data();
  draw(n, n, [c](uint64_t r) { ++c[r]; });
}

void BootstrapSampler::skip_resamples(size_t n, size_t resamples) {
  if (n == 0) return;
  draw(n, n * resamples, [](uint64_t) {});  // the reduction of an unused index compiles away
}

double percentile_sorted(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) throw std::invalid_argument("percentile_sorted: no values");
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  const double frac = pos - static_cast<double>(lo);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * frac;
}

Interval percentile_interval_95(std::vector<double>& values) {
  std::sort(values.begin(), values.end());
  return {percentile_sorted(values, 0.025), percentile_sorted(values, 0.975)};
}

double paired_bootstrap_p(double observed_delta, const std::vector<double>& deltas) {
  if (observed_delta == 0 || deltas.empty()) return 1.0;
  size_t not_won = 0;
  for (double d : deltas)
    if (observed_delta > 0 ? d <= 0 : d >= 0) ++not_won;
  return static_cast<double>(not_won) / static_cast<double>(deltas.size());
}

}  // namespace qb
