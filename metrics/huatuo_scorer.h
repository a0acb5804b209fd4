// Scoring open-ended answers against references (Huatuo-26M): BLEU-1..4, ROUGE-1/2/L, GLEU,
// Distinct-1/2, each x100 with a bootstrap interval and a signature (SPEC §4). This is the
// C++ API the pipeline calls; `qilin-bench score --suite huatuo` is a thin wrapper around it.
//
// Result JSON (documented in docs/METRICS.md):
//   {"suite": "huatuo", "n": N, "n_empty": E, "n_empty_reference": R,
//    "metrics": {"bleu1": {"value": 12.7, "interval": [lo, hi] | null, "signature": "..."}, ...},
//    "bleu_details": {...}, "bootstrap": {"resamples": B, "seed": S}}
#pragma once

#include <cstdint>
#include <functional>
#include <thread>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/string_index.h"
#include "metrics/distinct.h"
#include "metrics/huatuo_item_stats.h"
#include "metrics/score_report.h"

namespace qb {

struct HuatuoScoreOptions {
  HuatuoMetricOptions metric;
  int bootstrap = 1000;  // resamples for 95 % percentile intervals; 0 = no intervals
  uint64_t seed = 12345;
  bool keep_items = false;  // keep per-item statistics even without bootstrap (for compare_huatuo)
  int threads = 1;          // bootstrap threads (the intervals do not depend on it)
};

// Sums of per-item statistics: what every reported number is a function of.
struct HuatuoTotals {
  int64_t n = 0, n_empty = 0, n_empty_reference = 0;
  BleuCounts bleu;
  GleuCounts gleu;
  double rouge1_f = 0, rouge2_f = 0, rouge_l_f = 0;
  double sentence_bleu[4] = {};
  void add(const HuatuoItemStats& item, uint32_t weight = 1);
};

// The reported values (x100) of totals, keyed by metric name, without Distinct.
std::vector<std::pair<std::string, double>> huatuo_values(const HuatuoTotals& totals,
                                                          BleuAggregation agg);

// Streaming scorer: add() pairs one at a time; keeps sums, Distinct n-gram sets and (when
// bootstrapping or keep_items) the small per-item statistics, never the texts.
class HuatuoScorer {
 public:
  // `segmenter`, when given, is used instead of making one from options.metric.segmenter
  // (loading jieba's dictionary once for many scorers); it must match those options.
  explicit HuatuoScorer(HuatuoScoreOptions options, std::shared_ptr<const Segmenter> segmenter = nullptr);
  ~HuatuoScorer();
  HuatuoScorer(const HuatuoScorer&) = delete;
  HuatuoScorer& operator=(const HuatuoScorer&) = delete;
  // `id` names the item for paired comparison (must be unique). Throws InputError("<text>", ...)
  // for ill-formed UTF-8 and InputError("<items>", "item 'ID'", ...) for a repeated id
  // (checked when items are kept, i.e. when they could be compared).
  void add(std::string id, std::string_view prediction, std::string_view reference);
  // The same for a batch, segmenting on `threads` threads; items are added in batch order, so
  // the result does not depend on the thread count. An error names the batch index:
  // InputError("<batch>", "item K", ...) with K 0-based.
  struct Pair {
    std::string id, prediction, reference;
  };
  void add_batch(const std::vector<Pair>& batch, int threads);
  // The general form, for readers that parse records on the scoring threads: `make(i, pair)`
  // fills item i (exceptions propagate unchanged) and the item is scored, both on `threads`
  // threads; then, in index order on the calling thread, `accept(i, pair)` sees each item
  // (e.g. checks its id; may throw) before it is added. The first error in index order wins.
  void add_batch(size_t count, const std::function<void(size_t, Pair&)>& make,
                 const std::function<void(size_t, const Pair&)>& accept, int threads);
  ScoreReport report() const;
  nlohmann::json result() const { return report().to_json(); }

  size_t size() const { return static_cast<size_t>(totals_.n); }
  const std::vector<std::string>& ids() const { return ids_.strings(); }
  const std::vector<HuatuoItemStats>& items() const { return items_; }
  const HuatuoScoreOptions& options() const { return options_; }
  // "bleu1|tok:jieba-0.42.1|hmm:1|agg:corpus|smooth:none|ws:strip" etc. (no bootstrap part)
  std::string signature(const std::string& metric) const;

 private:
  HuatuoScoreOptions options_;
  HuatuoItemScorer item_scorer_;
  std::vector<HuatuoItemScorer> workers_;  // extra threads' scorers, sharing the segmenter
  // Distinct-n of a batch's predictions is counted on its own thread while the next batch is
  // scored (it is the one corpus-wide, order-free structure); wait_distinct() joins it.
  DistinctCounter distinct_;
  mutable std::thread distinct_thread_;
  std::vector<PredictionWords> distinct_words_;
  void wait_distinct() const;
  HuatuoTotals totals_;
  StringIndex ids_;  // kept with the items, checked for repeats
  std::vector<HuatuoItemStats> items_;
  PredictionWords words_;
  // Reused between batches.
  std::vector<Pair> batch_pairs_;
  std::vector<PredictionWords> batch_words_;
  std::vector<HuatuoItemStats> batch_stats_;
  // Adds the item's statistics; its words go to Distinct unless `words` is null (batches).
  void add_stats(std::string id, const HuatuoItemStats& s, const PredictionWords* words);
};

// Scores (prediction, reference) pairs in memory; ids are "1", "2", ... in order.
nlohmann::json score_huatuo(const std::vector<std::pair<std::string, std::string>>& pairs,
                            const HuatuoScoreOptions& options);

// Paired bootstrap (Koehn 2004) of every per-item metric, B minus A, over items matched by id.
// Both scorers must have kept items and use the same options. Throws InputError when the id
// sets differ (naming a missing id). Test "paired-bootstrap", counts resamples and seed, one
// PairedDelta per metric.
ComparisonReport compare_huatuo(const HuatuoScorer& a, const HuatuoScorer& b, int resamples, uint64_t seed);

}  // namespace qb
