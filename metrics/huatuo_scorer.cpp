#include "metrics/huatuo_scorer.h"

#include <algorithm>
#include <exception>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "common/error.h"
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

// Bootstrap intervals for every per-item metric, in huatuo_values order.
std::vector<Interval> bootstrap_intervals(const std::vector<HuatuoItemStats>& items, BleuAggregation agg,
                                          int resamples, uint64_t seed) {
  BootstrapSampler sampler(seed);
  std::vector<uint32_t> counts;
  std::vector<std::vector<double>> samples;
  for (int r = 0; r < resamples; ++r) {
    sampler.resample_counts(items.size(), counts);
    HuatuoTotals t;
    for (size_t i = 0; i < items.size(); ++i) t.add(items[i], counts[i]);
    const auto values = huatuo_values(t, agg);
    if (samples.empty()) samples.resize(values.size());
    for (size_t k = 0; k < values.size(); ++k) samples[k].push_back(values[k].second);
  }
  std::vector<Interval> out;
  for (auto& s : samples) out.push_back(percentile_interval_95(s));
  return out;
}

}  // namespace

HuatuoScorer::HuatuoScorer(HuatuoScoreOptions options, std::shared_ptr<const Segmenter> segmenter)
    : options_(std::move(options)), item_scorer_(options_.metric, std::move(segmenter)) {
  if (options_.bootstrap < 0)
    throw InputError("--bootstrap", "value " + std::to_string(options_.bootstrap), "must be >= 0");
}

void HuatuoScorer::add(std::string id, std::string_view prediction, std::string_view reference) {
  const HuatuoItemStats s = item_scorer_.score(prediction, reference, &words_);
  add_stats(std::move(id), s, words_);
}

void HuatuoScorer::add_batch(const std::vector<Pair>& batch, int threads) {
  threads = std::max(1, std::min<int>(threads, static_cast<int>(batch.size())));
  while (static_cast<int>(workers_.size()) < threads - 1)
    workers_.emplace_back(options_.metric, item_scorer_.shared_segmenter());
  std::vector<HuatuoItemStats> stats(batch.size());
  std::vector<std::vector<std::string>> words(batch.size());
  std::vector<std::exception_ptr> errors(batch.size());
  auto work = [&](HuatuoItemScorer& scorer, int t) {
    for (size_t i = static_cast<size_t>(t); i < batch.size(); i += static_cast<size_t>(threads)) {
      try {
        stats[i] = scorer.score(batch[i].prediction, batch[i].reference, &words[i]);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work, std::ref(workers_[static_cast<size_t>(t - 1)]), t);
  work(item_scorer_, 0);
  for (auto& th : pool) th.join();
  for (size_t i = 0; i < batch.size(); ++i) {
    if (errors[i]) {
      try {
        std::rethrow_exception(errors[i]);
      } catch (const InputError& e) {
        throw InputError("<batch>", "item " + std::to_string(i), e.problem());
      }
    }
    add_stats(batch[i].id, stats[i], words[i]);
  }
}

void HuatuoScorer::add_stats(std::string id, const HuatuoItemStats& s, const std::vector<std::string>& words) {
  if (options_.bootstrap > 0 || options_.keep_items) {
    if (!seen_ids_.insert(id).second) throw InputError("<items>", "item '" + id + "'", "id appears twice");
    ids_.push_back(std::move(id));
    items_.push_back(s);
  }
  distinct_.add(words);
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

nlohmann::json HuatuoScorer::result() const {
  using nlohmann::json;
  json out;
  out["suite"] = "huatuo";
  out["n"] = totals_.n;
  out["n_empty"] = totals_.n_empty;
  out["n_empty_reference"] = totals_.n_empty_reference;
  const auto agg = options_.metric.bleu_agg;
  const auto values = huatuo_values(totals_, agg);
  std::vector<Interval> intervals;
  const bool boot = options_.bootstrap > 0 && !items_.empty();
  if (boot) intervals = bootstrap_intervals(items_, agg, options_.bootstrap, options_.seed);
  const std::string boot_sig =
      boot ? "|boot:" + std::to_string(options_.bootstrap) + "|seed:" + std::to_string(options_.seed) : "";
  json metrics = json::object();
  for (size_t k = 0; k < values.size(); ++k) {
    json m;
    m["value"] = values[k].second;
    m["interval"] = boot ? json::array({intervals[k].lo, intervals[k].hi}) : json(nullptr);
    m["signature"] = signature(values[k].first) + boot_sig;
    metrics[values[k].first] = m;
  }
  for (int n = 1; n <= 2; ++n) {
    const std::string name = "distinct" + std::to_string(n);
    metrics[name] = {{"value", 100.0 * distinct_.distinct(n)},
                     {"interval", nullptr},
                     {"signature", signature(name)},
                     {"unique", distinct_.unique(n)},
                     {"total", distinct_.total(n)}};
  }
  out["metrics"] = metrics;
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
  out["bleu_details"] = details;
  out["bootstrap"] = boot ? json{{"resamples", options_.bootstrap}, {"seed", options_.seed}} : json(nullptr);
  return out;
}

nlohmann::json score_huatuo(const std::vector<std::pair<std::string, std::string>>& pairs,
                            const HuatuoScoreOptions& options) {
  HuatuoScorer scorer(options);
  for (size_t i = 0; i < pairs.size(); ++i) scorer.add(std::to_string(i + 1), pairs[i].first, pairs[i].second);
  return scorer.result();
}

nlohmann::json compare_huatuo(const HuatuoScorer& a, const HuatuoScorer& b, int resamples, uint64_t seed) {
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
  json metrics = json::object();
  for (size_t k = 0; k < va.size(); ++k) {
    const double delta = vb[k].second - va[k].second;
    metrics[va[k].first] = {{"a", va[k].second},
                            {"b", vb[k].second},
                            {"delta", delta},
                            {"p_value", paired_bootstrap_p(delta, deltas[k])},
                            {"signature", a.signature(va[k].first)}};
  }
  return {{"test", "paired-bootstrap"}, {"n", a.items().size()}, {"resamples", resamples},
          {"seed", seed}, {"metrics", metrics}};
}

}  // namespace qb
