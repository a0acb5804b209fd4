#include "metrics/rouge.h"

#include <stdexcept>

namespace qb {

PrecisionRecallF rouge_n(const NgramOverlap& o, int n, RougeNgramMode mode) {
  if (n < 1 || n > kMaxNgramOrder) throw std::invalid_argument("rouge_n: n must be 1..5");
  const int i = n - 1;
  const bool set = mode == RougeNgramMode::kSet;
  const double overlap = static_cast<double>(set ? o.common_distinct[i] : o.clipped[i]);
  const double hyp = static_cast<double>(set ? o.hyp_distinct[i] : o.hyp_total[i]);
  const double ref = static_cast<double>(set ? o.ref_distinct[i] : o.ref_total[i]);
  PrecisionRecallF s;
  s.p = hyp > 0 ? overlap / hyp : 0.0;
  s.r = ref > 0 ? overlap / ref : 0.0;
  s.f = 2.0 * s.p * s.r / (s.p + s.r + 1e-8);
  return s;
}

PrecisionRecallF rouge_l(size_t lcs, size_t hyp_len, size_t ref_len) {
  PrecisionRecallF s;
  if (lcs == 0 || hyp_len == 0 || ref_len == 0) return s;
  s.p = static_cast<double>(lcs) / static_cast<double>(hyp_len);
  s.r = static_cast<double>(lcs) / static_cast<double>(ref_len);
  const double beta = s.p / s.r;
  s.f = (1.0 + beta * beta) * s.p * s.r / (s.r + beta * beta * s.p);
  return s;
}

}  // namespace qb
