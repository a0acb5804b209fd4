#include "metrics/huatuo_scorer.h"

#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "common/error.h"
#include "common/simd_level.h"
#include "metrics/statistics.h"

namespace qb {

void HuatuoTotals::add(const HuatuoItemStats& item, uint32_t weight) {
  if (weight == 0) return;
  n += weight;
  n_empty += item.empty_prediction ? weight : 0;
  n_empty_reference += item.empty_reference ? weight : 0;
  for (int i = 0; i < kMaxNgramOrder; ++i) {
    bleu.matches[i] += weight * item.bleu.matches[i];
    bleu.possible[i] += weight * item.bleu.possible[i];
  }
  bleu.hyp_len += weight * item.bleu.hyp_len;
  bleu.ref_len += weight * item.bleu.ref_len;
  gleu.tp += weight * item.gleu.tp;
  gleu.n_all += weight * item.gleu.n_all;
  rouge1_f += weight * item.rouge1.f;
  rouge2_f += weight * item.rouge2.f;
  rouge_l_f += weight * item.rouge_l.f;
  for (int i = 0; i < 4; ++i) sentence_bleu[i] += weight * item.sentence_bleu[i];
}

std::vector<std::pair<std::string, double>> huatuo_values(const HuatuoTotals& t, BleuAggregation agg) {
  std::vector<std::pair<std::string, double>> v;
  const double n = t.n > 0 ? static_cast<double>(t.n) : 1.0;
  for (int order = 1; order <= 4; ++order) {
    const double b = agg == BleuAggregation::kCorpus ? nmt_corpus_bleu(t.bleu, order)
                                                     : t.sentence_bleu[order - 1] / n;
    v.emplace_back("bleu" + std::to_string(order), 100.0 * b);
  }
  v.emplace_back("rouge1", 100.0 * t.rouge1_f / n);
  v.emplace_back("rouge2", 100.0 * t.rouge2_f / n);
  v.emplace_back("rougeL", 100.0 * t.rouge_l_f / n);
  v.emplace_back("gleu", 100.0 * t.gleu.score());
  return v;
}

namespace {

std::string smoothing_name(const HuatuoMetricOptions& m) {
  return m.bleu_agg == BleuAggregation::kCorpus ? "none" : "nltk-method" + std::to_string(m.smooth);
}

// The per-item numbers huatuo_values reads, one row of kWidth doubles per item (the sentence
// BLEU columns only with sentence aggregation), so a resample's totals are one pass of
// row += count * item. Integer counts below 2^53 add exactly in doubles, and each column's
// sum is formed in item order as HuatuoTotals::add does, so the totals are the same numbers.
// Only BLEU orders 1..4 enter huatuo_values (nmt_corpus_bleu takes max_order <= 4), so the
// rows carry those; a resample's order-5 totals stay 0 and are never read.
constexpr int kBleuOrders = 4;
static_assert(kBleuOrders <= kMaxNgramOrder, "BLEU orders");
constexpr size_t kIntColumns = 2 * kBleuOrders + 4;
// kIntColumns + 3 ROUGE (+ 4 sentence BLEU), padded to whole 4-double vectors: 16 doubles
// (128 bytes) per item keeps the 6,000 Huatuo rows (768 KB) inside one core's 1 MB L2.
constexpr size_t kCorpusWidth = 16, kSentenceWidth = 20;
static_assert(kIntColumns + 3 <= kCorpusWidth && kIntColumns + 7 <= kSentenceWidth, "row layout");

template <size_t kWidth>
class BootstrapRows {
 public:
  explicit BootstrapRows(const std::vector<HuatuoItemStats>& items) : rows_(items.size() * kWidth, 0.0) {
    double* r = rows_.data();
    for (const HuatuoItemStats& it : items) {
      for (int i = 0; i < kBleuOrders; ++i) {
        r[i] = static_cast<double>(it.bleu.matches[i]);
        r[kBleuOrders + i] = static_cast<double>(it.bleu.possible[i]);
      }
      r[2 * kBleuOrders] = static_cast<double>(it.bleu.hyp_len);
      r[2 * kBleuOrders + 1] = static_cast<double>(it.bleu.ref_len);
      r[2 * kBleuOrders + 2] = static_cast<double>(it.gleu.tp);
      r[2 * kBleuOrders + 3] = static_cast<double>(it.gleu.n_all);
      r[kIntColumns] = it.rouge1.f;
      r[kIntColumns + 1] = it.rouge2.f;
      r[kIntColumns + 2] = it.rouge_l.f;
      if (kWidth >= kIntColumns + 7)
        for (int k = 0; k < 4; ++k) r[kIntColumns + 3 + k] = it.sentence_bleu[k];
      r += kWidth;
    }
  }
  // Resamples summed per pass over the rows, at most.
  static constexpr size_t kGroup = 8;
  // The totals of m <= kGroup resamples given how often each item was drawn in each. One pass
  // over the rows feeds several independent sums (each still formed in item order): fewer
  // reads of the rows, and the adders get several dependency chains instead of one. With
  // AVX-512's 32 registers all eight sums stay in registers; with AVX2 two do.
  void totals(const std::vector<uint32_t>* counts, size_t m, HuatuoTotals* out) const {
    const bool avx512 = simd_level() == SimdLevel::kAvx512;
    const bool avx2 = simd_level() == SimdLevel::kAvx2;
    const size_t n = counts[0].size();
    alignas(64) double acc[kGroup][kWidth] = {};
    const size_t step = avx512 ? kGroup : 2;
    for (size_t first = 0; first < m; first += step) {
      const uint32_t* c[kGroup];
      for (size_t j = 0; j < step; ++j) c[j] = counts[first + j < m ? first + j : first].data();  // pad: repeat one
      if (avx512)
        accumulate_avx512(c, n, rows_.data(), acc + first);
      else if (avx2)
        accumulate_avx2(c, n, rows_.data(), acc + first);
      else
        accumulate_kernel<2>(c, n, rows_.data(), acc + first);
    }
    for (size_t j = 0; j < m; ++j) out[j] = to_totals(acc[j], n);
  }

 private:
  static HuatuoTotals to_totals(const double* acc, size_t n) {
    HuatuoTotals t;
    t.n = static_cast<int64_t>(n);
    for (int i = 0; i < kBleuOrders; ++i) {
      t.bleu.matches[i] = static_cast<int64_t>(acc[i]);
      t.bleu.possible[i] = static_cast<int64_t>(acc[kBleuOrders + i]);
    }
    t.bleu.hyp_len = static_cast<int64_t>(acc[2 * kBleuOrders]);
    t.bleu.ref_len = static_cast<int64_t>(acc[2 * kBleuOrders + 1]);
    t.gleu.tp = static_cast<int64_t>(acc[2 * kBleuOrders + 2]);
    t.gleu.n_all = static_cast<int64_t>(acc[2 * kBleuOrders + 3]);
    t.rouge1_f = acc[kIntColumns];
    t.rouge2_f = acc[kIntColumns + 1];
    t.rouge_l_f = acc[kIntColumns + 2];
    if (kWidth >= kIntColumns + 7)
      for (int k = 0; k < 4; ++k) t.sentence_bleu[k] = acc[kIntColumns + 3 + k];
    return t;
  }
  // acc[j][k] += counts[j][i] * row_i[k] for every item i, columns independent (vectorised
  // across k only: the per-column sums keep their order and rounding). Never a fused
  // multiply-add (AVX-512 has one; contraction is off here): it would round the ROUGE columns
  // once instead of twice. The sums live in a local array (not behind a pointer that could
  // alias the rows), so they stay in vector registers.
  template <size_t R>
  __attribute__((always_inline)) static void accumulate_kernel(const uint32_t* const* counts, size_t n,
                                                               const double* rows, double (*acc)[kWidth]) {
#pragma clang fp contract(off)
    double a[R][kWidth];
    for (size_t j = 0; j < R; ++j)
      for (size_t k = 0; k < kWidth; ++k) a[j][k] = acc[j][k];
    for (size_t i = 0; i < n; ++i, rows += kWidth) {
      // No branch on count 0 (a third of the items, unpredictable): 0 * row adds +0.0, which
      // leaves every sum unchanged (rows are finite and the sums start at +0.0).
      for (size_t j = 0; j < R; ++j) {
        const double c = static_cast<double>(counts[j][i]);
        for (size_t k = 0; k < kWidth; ++k) a[j][k] += c * rows[k];
      }
    }
    for (size_t j = 0; j < R; ++j)
      for (size_t k = 0; k < kWidth; ++k) acc[j][k] = a[j][k];
  }
  __attribute__((target("avx2"))) static void accumulate_avx2(const uint32_t* const* counts, size_t n,
                                                              const double* rows, double (*acc)[kWidth]) {
    accumulate_kernel<2>(counts, n, rows, acc);
  }
  // The same sums with AVX-512 written out: eight resamples' sums in 8 x ceil(kWidth / 8)
  // registers (16 or 24 of the 32), the row loaded once per item. (Left to itself the compiler
  // vectorised across the resamples instead, with gathers and scatters: four times slower.)
  // Separate multiply and add, as in accumulate_kernel.
  __attribute__((target("avx512f"))) static void accumulate_avx512(const uint32_t* const* counts, size_t n,
                                                                   const double* rows, double (*acc)[kWidth]) {
    constexpr size_t kVectors = (kWidth + 7) / 8;
    constexpr __mmask8 kLast = kWidth % 8 == 0 ? 0xFF : static_cast<__mmask8>((1u << (kWidth % 8)) - 1);
    auto mask = [](size_t v) { return v + 1 == kVectors ? kLast : static_cast<__mmask8>(0xFF); };
    __m512d a[kGroup][kVectors];
    for (size_t j = 0; j < kGroup; ++j)
      for (size_t v = 0; v < kVectors; ++v) a[j][v] = _mm512_maskz_loadu_pd(mask(v), acc[j] + 8 * v);
    for (size_t i = 0; i < n; ++i, rows += kWidth) {
      __m512d row[kVectors];
      for (size_t v = 0; v < kVectors; ++v) row[v] = _mm512_maskz_loadu_pd(mask(v), rows + 8 * v);
      for (size_t j = 0; j < kGroup; ++j) {
        const __m512d c = _mm512_set1_pd(static_cast<double>(counts[j][i]));
        for (size_t v = 0; v < kVectors; ++v) a[j][v] = _mm512_add_pd(a[j][v], _mm512_mul_pd(c, row[v]));
      }
    }
    for (size_t j = 0; j < kGroup; ++j)
      for (size_t v = 0; v < kVectors; ++v) _mm512_mask_storeu_pd(acc[j] + 8 * v, mask(v), a[j][v]);
  }

  std::vector<double> rows_;
};

// Bootstrap intervals for every per-item metric, in huatuo_values order. Resamples are split
// into contiguous ranges over `threads`; each thread's sampler skips the draws of the ranges
// before its own, so every resample is the one a single thread would draw.
template <size_t kWidth>
std::vector<Interval> bootstrap_intervals(const std::vector<HuatuoItemStats>& items, BleuAggregation agg,
                                          int resamples, uint64_t seed, int threads) {
  const BootstrapRows<kWidth> rows(items);
  const size_t n = items.size();
  const size_t metrics = huatuo_values(HuatuoTotals{}, agg).size();
  std::vector<std::vector<double>> samples(metrics, std::vector<double>(static_cast<size_t>(resamples)));
  threads = std::max(1, std::min(threads, resamples / 64));  // small jobs: one thread
  // Skipping a resample's draws costs about two fifths of drawing and summing it (timed per
  // thread inside `score -j2` on the 6,000 Huatuo pairs: with 0.2 the second thread ended
  // 3 ms after the first, with 0.45 within 0.5 ms): give the first thread more resamples so
  // all finish together.
  // Thread t, starting at resample b_t, takes skip * b_t + (b_{t+1} - b_t) = W; the smallest W
  // that reaches `resamples` (bisection) balances them.
  const double skip = 0.4, total = static_cast<double>(resamples);
  auto ends = [&](double w) {
    double b = 0;
    for (int t = 0; t < threads; ++t) b += w - skip * b;
    return b;
  };
  double lo = 0, hi = total;
  for (int it = 0; it < 50; ++it) (ends((lo + hi) / 2) >= total ? hi : lo) = (lo + hi) / 2;
  std::vector<size_t> begin(static_cast<size_t>(threads) + 1, static_cast<size_t>(resamples));
  double b = 0;
  for (int t = 0; t < threads; ++t) {
    begin[static_cast<size_t>(t)] = std::min(static_cast<size_t>(b), static_cast<size_t>(resamples));
    b += hi - skip * b;
  }
  auto work = [&](int t) {
    BootstrapSampler sampler(seed);
    sampler.skip_resamples(n, begin[static_cast<size_t>(t)]);
    std::vector<uint32_t> counts[BootstrapRows<kWidth>::kGroup];
    HuatuoTotals totals[BootstrapRows<kWidth>::kGroup];
    const size_t end = begin[static_cast<size_t>(t) + 1];
    for (size_t r = begin[static_cast<size_t>(t)]; r < end;) {
      const size_t m = std::min(end - r, BootstrapRows<kWidth>::kGroup);  // resamples per pass over the rows
      for (size_t j = 0; j < m; ++j) sampler.resample_counts(n, counts[j]);
      rows.totals(counts, m, totals);
      for (size_t j = 0; j < m; ++j, ++r) {
        const auto values = huatuo_values(totals[j], agg);
        for (size_t k = 0; k < values.size(); ++k) samples[k][r] = values[k].second;
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work, t);
  work(0);
  for (auto& th : pool) th.join();
  std::vector<Interval> out;
  for (auto& s : samples) out.push_back(percentile_interval_95(s));
  return out;
}

std::vector<Interval> bootstrap_intervals(const std::vector<HuatuoItemStats>& items, BleuAggregation agg,
                                          int resamples, uint64_t seed, int threads) {
  return agg == BleuAggregation::kSentenceMean
             ? bootstrap_intervals<kSentenceWidth>(items, agg, resamples, seed, threads)
             : bootstrap_intervals<kCorpusWidth>(items, agg, resamples, seed, threads);
}

}  // namespace

HuatuoScorer::HuatuoScorer(HuatuoScoreOptions options, std::shared_ptr<const Segmenter> segmenter)
    : options_(std::move(options)), item_scorer_(options_.metric, std::move(segmenter)) {
  if (options_.bootstrap < 0)
    throw InputError("--bootstrap", "value " + std::to_string(options_.bootstrap), "must be >= 0");
}

void HuatuoScorer::add(std::string id, std::string_view prediction, std::string_view reference) {
  const HuatuoItemStats s = item_scorer_.score(prediction, reference, &words_);
  wait_distinct();
  add_stats(std::move(id), s, &words_);
}

HuatuoScorer::~HuatuoScorer() { wait_distinct(); }

void HuatuoScorer::wait_distinct() const {
  if (distinct_thread_.joinable()) distinct_thread_.join();
}

void HuatuoScorer::add_batch(const std::vector<Pair>& batch, int threads) {
  add_batch(batch.size(), [&](size_t i, Pair& p) { p = batch[i]; }, [](size_t, const Pair&) {}, threads);
}

void HuatuoScorer::add_batch(size_t count, const std::function<void(size_t, Pair&)>& make,
                             const std::function<void(size_t, const Pair&)>& accept, int threads) {
  threads = std::max(1, std::min<int>(threads, static_cast<int>(count)));
  while (static_cast<int>(workers_.size()) < threads - 1)
    workers_.emplace_back(options_.metric, item_scorer_.shared_segmenter());
  if (batch_pairs_.size() < count) batch_pairs_.resize(count);
  if (batch_words_.size() < count) batch_words_.resize(count);
  if (batch_stats_.size() < count) batch_stats_.resize(count);
  struct Failure {
    std::exception_ptr error;
    bool scoring = false;  // thrown by the scorer (re-thrown naming the item), not by make
  };
  std::vector<Failure> failures(count);
  // Items are handed out one at a time from a shared counter: texts differ in length by 100x,
  // so a fixed split leaves one thread idle at the end of each batch.
  std::atomic<size_t> next{0};
  auto work = [&](HuatuoItemScorer& scorer, int) {
    for (size_t i = next.fetch_add(1, std::memory_order_relaxed); i < count;
         i = next.fetch_add(1, std::memory_order_relaxed)) {
      Pair& p = batch_pairs_[i];
      try {
        make(i, p);
      } catch (...) {
        failures[i].error = std::current_exception();
        continue;
      }
      try {
        batch_stats_[i] = scorer.score(p.prediction, p.reference, &batch_words_[i]);
      } catch (...) {
        failures[i] = {std::current_exception(), true};
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work, std::ref(workers_[static_cast<size_t>(t - 1)]), t);
  work(item_scorer_, 0);
  for (auto& th : pool) th.join();
  for (size_t i = 0; i < count; ++i) {
    if (failures[i].error) {
      if (!failures[i].scoring) std::rethrow_exception(failures[i].error);
      try {
        std::rethrow_exception(failures[i].error);
      } catch (const InputError& e) {
        throw InputError("<batch>", "item " + std::to_string(i), e.problem());
      }
    }
    accept(i, batch_pairs_[i]);
    add_stats(std::move(batch_pairs_[i].id), batch_stats_[i], nullptr);
  }
  // Distinct of this batch overlaps the scoring of the next one.
  wait_distinct();
  std::swap(distinct_words_, batch_words_);
  distinct_thread_ = std::thread([this, count] {
    for (size_t i = 0; i < count; ++i) distinct_.add(distinct_words_[i].text, distinct_words_[i].spans);
  });
}

void HuatuoScorer::add_stats(std::string id, const HuatuoItemStats& s, const PredictionWords* words) {
  if (options_.bootstrap > 0 || options_.keep_items) {
    const auto [number, fresh] = ids_.insert(std::move(id));
    if (!fresh) throw InputError("<items>", "item '" + ids_.strings()[number] + "'", "id appears twice");
    items_.push_back(s);
  }
  if (words) distinct_.add(words->text, words->spans);
  totals_.add(s);
}

std::string HuatuoScorer::signature(const std::string& metric) const {
  const auto& m = options_.metric;
  const std::string tok = "tok:" + item_scorer_.segmenter().signature();
  if (metric.rfind("bleu", 0) == 0)
    return metric + "|" + tok + "|agg:" + (m.bleu_agg == BleuAggregation::kCorpus ? "corpus" : "sentence-mean") +
           "|smooth:" + smoothing_name(m) + "|ws:strip";
  if (metric == "rouge1" || metric == "rouge2")
    return metric + "|tok:char|ngram:" + (m.rouge == RougeNgramMode::kSet ? "set" : "count") +
           "|f:2pr/(p+r+1e-8)|agg:mean|ws:strip";
  if (metric == "rougeL") return "rougeL|tok:char|lcs|f:beta=p/r|agg:mean|ws:strip";
  if (metric == "gleu") return "gleu|" + tok + "|n:1-4|agg:corpus|ws:strip";
  if (metric == "distinct1" || metric == "distinct2") return metric + "|" + tok + "|agg:corpus|ws:strip";
  throw std::invalid_argument("no signature for metric " + metric);
}

ScoreReport HuatuoScorer::report() const {
  using nlohmann::json;
  ScoreReport r;
  r.suite = "huatuo26m";
  r.mode = "generate";
  r.n = totals_.n;
  r.counts = {{"n_empty", totals_.n_empty}, {"n_empty_reference", totals_.n_empty_reference}};
  const auto agg = options_.metric.bleu_agg;
  const auto values = huatuo_values(totals_, agg);
  std::vector<Interval> intervals;
  const bool boot = options_.bootstrap > 0 && !items_.empty();
  if (boot) intervals = bootstrap_intervals(items_, agg, options_.bootstrap, options_.seed, options_.threads);
  const std::string boot_sig =
      boot ? "|boot:" + std::to_string(options_.bootstrap) + "|seed:" + std::to_string(options_.seed) : "";
  for (size_t k = 0; k < values.size(); ++k) {
    MetricScore m;
    m.value = values[k].second;
    if (boot) m.ci_low = intervals[k].lo, m.ci_high = intervals[k].hi;
    m.signature = signature(values[k].first) + boot_sig;
    r.metrics[values[k].first] = m;
  }
  wait_distinct();  // the last batch's Distinct ran alongside the bootstrap
  for (int n = 1; n <= 2; ++n) {
    const std::string name = "distinct" + std::to_string(n);
    MetricScore m;
    m.value = 100.0 * distinct_.distinct(n);
    m.signature = signature(name);
    m.counts = {{"unique", static_cast<int64_t>(distinct_.unique(n))}, {"total", static_cast<int64_t>(distinct_.total(n))}};
    r.metrics[name] = m;
  }
  json details;
  details["hyp_len"] = totals_.bleu.hyp_len;
  details["ref_len"] = totals_.bleu.ref_len;
  json matches = json::array(), possible = json::array();
  for (int i = 0; i < 4; ++i) {
    matches.push_back(totals_.bleu.matches[i]);
    possible.push_back(totals_.bleu.possible[i]);
  }
  details["matches"] = matches;
  details["possible"] = possible;
  r.details["bleu_details"] = details;
  r.details["bootstrap"] = boot ? json{{"resamples", options_.bootstrap}, {"seed", options_.seed}} : json(nullptr);
  return r;
}

nlohmann::json score_huatuo(const std::vector<std::pair<std::string, std::string>>& pairs,
                            const HuatuoScoreOptions& options) {
  HuatuoScorer scorer(options);
  for (size_t i = 0; i < pairs.size(); ++i) scorer.add(std::to_string(i + 1), pairs[i].first, pairs[i].second);
  return scorer.result();
}

ComparisonReport compare_huatuo(const HuatuoScorer& a, const HuatuoScorer& b, int resamples, uint64_t seed) {
  using nlohmann::json;
  if (a.items().size() != a.size() || b.items().size() != b.size())
    throw std::logic_error("compare_huatuo: both scorers must keep items (bootstrap > 0 or keep_items)");
  if (a.signature("bleu1") != b.signature("bleu1") || a.signature("rouge1") != b.signature("rouge1") ||
      a.options().metric.bleu_agg != b.options().metric.bleu_agg)
    throw std::invalid_argument("compare_huatuo: the two scorers use different metric options");
  // Align B's items to A's order by id.
  std::unordered_map<std::string, size_t> b_index;
  b_index.reserve(b.ids().size());
  for (size_t i = 0; i < b.ids().size(); ++i) b_index.emplace(b.ids()[i], i);
  std::vector<const HuatuoItemStats*> bs;
  bs.reserve(a.ids().size());
  for (const auto& id : a.ids()) {
    auto it = b_index.find(id);
    if (it == b_index.end())
      throw InputError("<compare>", "item '" + id + "'", "present in the first predictions but not in the second");
    bs.push_back(&b.items()[it->second]);
  }
  if (b.ids().size() != a.ids().size()) {
    std::unordered_set<std::string> a_ids(a.ids().begin(), a.ids().end());
    for (const auto& id : b.ids())
      if (!a_ids.count(id))
        throw InputError("<compare>", "item '" + id + "'", "present in the second predictions but not in the first");
  }
  const auto agg = a.options().metric.bleu_agg;
  HuatuoTotals ta, tb;
  for (size_t i = 0; i < a.items().size(); ++i) {
    ta.add(a.items()[i]);
    tb.add(*bs[i]);
  }
  const auto va = huatuo_values(ta, agg), vb = huatuo_values(tb, agg);
  std::vector<std::vector<double>> deltas(va.size());
  BootstrapSampler sampler(seed);
  std::vector<uint32_t> counts;
  for (int r = 0; r < resamples; ++r) {
    sampler.resample_counts(a.items().size(), counts);
    HuatuoTotals ra, rb;
    for (size_t i = 0; i < counts.size(); ++i) {
      ra.add(a.items()[i], counts[i]);
      rb.add(*bs[i], counts[i]);
    }
    const auto xa = huatuo_values(ra, agg), xb = huatuo_values(rb, agg);
    for (size_t k = 0; k < xa.size(); ++k) deltas[k].push_back(xb[k].second - xa[k].second);
  }
  ComparisonReport c;
  c.test = "paired-bootstrap";
  c.n = static_cast<int64_t>(a.items().size());
  for (size_t k = 0; k < va.size(); ++k) {
    const double delta = vb[k].second - va[k].second;
    c.metrics[va[k].first] =
        PairedDelta{va[k].second, vb[k].second, delta, paired_bootstrap_p(delta, deltas[k]), a.signature(va[k].first)};
  }
  c.counts = {{"resamples", resamples}, {"seed", static_cast<int64_t>(seed)}};
  return c;
}

}  // namespace qb
