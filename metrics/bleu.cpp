#include "metrics/bleu.h"

#include <cfloat>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace qb {

BleuCounts BleuCounts::from_overlap(const NgramOverlap& o, int64_t hyp_len, int64_t ref_len) {
  BleuCounts c;
  for (int i = 0; i < kMaxNgramOrder; ++i) {
    c.matches[i] = o.clipped[i];
    c.possible[i] = o.hyp_total[i];
  }
  c.hyp_len = hyp_len;
  c.ref_len = ref_len;
  return c;
}

BleuCounts& BleuCounts::operator+=(const BleuCounts& other) {
  for (int i = 0; i < kMaxNgramOrder; ++i) {
    matches[i] += other.matches[i];
    possible[i] += other.possible[i];
  }
  hyp_len += other.hyp_len;
  ref_len += other.ref_len;
  return *this;
}

double nmt_corpus_bleu(const BleuCounts& corpus, int max_order) {
  if (max_order < 1 || max_order > 4) throw std::invalid_argument("nmt_corpus_bleu: max_order must be 1..4");
  double log_sum = 0;
  for (int i = 0; i < max_order; ++i) {
    if (corpus.possible[i] <= 0 || corpus.matches[i] <= 0) return 0.0;  // min(precisions) == 0
    const double p = static_cast<double>(corpus.matches[i]) / static_cast<double>(corpus.possible[i]);
    log_sum += (1.0 / max_order) * std::log(p);
  }
  const double geo_mean = std::exp(log_sum);
  if (corpus.hyp_len == 0 || corpus.ref_len == 0) return 0.0;
  const double ratio = static_cast<double>(corpus.hyp_len) / static_cast<double>(corpus.ref_len);
  const double bp = ratio > 1.0 ? 1.0 : std::exp(1.0 - 1.0 / ratio);
  return geo_mean * bp;
}

bool nltk_smoothing_supported(int method) { return method >= 0 && method <= 7 && method != 6; }

namespace {

// One modified precision as NLTK keeps it: an unnormalised Fraction(numerator, denominator).
// Smoothing reads the numerator (zero or not) and the denominator (methods 1-4); the value is
// converted to a double exactly as float(Fraction) does (one correctly rounded division).
struct Precision {
  double num = 0, den = 1;  // exact integers (counts are far below 2^53)
  double value() const { return num / den; }
};

}  // namespace

double nltk_sentence_bleu(const BleuCounts& item, int max_order, int method) {
  if (max_order < 1 || max_order > 4) throw std::invalid_argument("nltk_sentence_bleu: max_order must be 1..4");
  if (!nltk_smoothing_supported(method))
    throw std::invalid_argument("NLTK smoothing method" + std::to_string(method) + " is not supported");
  const int n = max_order;
  // modified_precision: numerator = clipped matches, denominator = max(1, hypothesis n-grams).
  auto fraction = [&](int order_index) {
    Precision p;
    p.num = static_cast<double>(item.matches[order_index]);
    p.den = static_cast<double>(std::max<int64_t>(1, item.possible[order_index]));
    return p;
  };
  std::vector<Precision> p(n);
  for (int i = 0; i < n; ++i) p[i] = fraction(i);
  if (p[0].num == 0) return 0.0;  // corpus_bleu returns 0 when no unigram matches

  const double c = static_cast<double>(item.hyp_len), r = static_cast<double>(item.ref_len);
  double bp;
  if (item.hyp_len > item.ref_len)
    bp = 1.0;
  else if (item.hyp_len == 0)
    bp = 0.0;
  else
    bp = std::exp(1.0 - r / c);

  // Smoothed precisions as plain doubles (NLTK converts each with float() inside math.log).
  std::vector<double> v(n);
  for (int i = 0; i < n; ++i) v[i] = p[i].value();
  auto method4 = [&]() {
    int incvnt = 1;
    for (int i = 0; i < n; ++i) {
      if (p[i].num == 0 && item.hyp_len > 1) {
        const double numerator = 1.0 / (static_cast<double>((1 << incvnt) * 5) / std::log(c));
        v[i] = numerator / p[i].den;
        ++incvnt;
      }
    }
  };
  auto method5 = [&]() {
    // p_n_plus1 is a copy taken before the update, extended with the 5-gram precision.
    std::vector<double> next(v.begin(), v.end());
    next.push_back(fraction(4).value());
    double prev = v[0] + 1.0;
    for (int i = 0; i < n; ++i) {
      v[i] = (prev + v[i] + next[i + 1]) / 3.0;
      prev = v[i];
    }
  };
  switch (method) {
    case 0:
      for (int i = 0; i < n; ++i)
        if (p[i].num == 0) v[i] = DBL_MIN;  // sys.float_info.min
      break;
    case 1:
      for (int i = 0; i < n; ++i)
        if (p[i].num == 0) v[i] = (p[i].num + 0.1) / p[i].den;
      break;
    case 2:
      for (int i = 1; i < n; ++i) v[i] = (p[i].num + 1.0) / (p[i].den + 1.0);
      break;
    case 3: {
      int incvnt = 1;
      for (int i = 0; i < n; ++i)
        if (p[i].num == 0) {
          v[i] = 1.0 / (static_cast<double>(1 << incvnt) * p[i].den);
          ++incvnt;
        }
      break;
    }
    case 4:
      method4();
      break;
    case 5:
      method5();
      break;
    case 7:
      method4();
      method5();
      break;
  }
  // s = exp(fsum(w_i * log(p_i) for p_i > 0)) * bp; zero precisions are skipped, not fatal.
  double sum = 0, comp = 0;  // Neumaier summation, close to math.fsum
  for (int i = 0; i < n; ++i) {
    if (!(v[i] > 0)) continue;
    const double term = (1.0 / n) * std::log(v[i]);
    const double t = sum + term;
    comp += std::fabs(sum) >= std::fabs(term) ? (sum - t) + term : (term - t) + sum;
    sum = t;
  }
  return bp * std::exp(sum + comp);
}

}  // namespace qb
