#include "metrics/accuracy_scorer.h"

#include <unordered_map>

#include "common/error.h"
#include "metrics/statistics.h"

namespace qb {

namespace {

double percent(int64_t k, int64_t n) { return n == 0 ? 0.0 : 100.0 * static_cast<double>(k) / static_cast<double>(n); }

}  // namespace

void AccuracyScorer::add(const ChoiceOutcome& o) {
  if (!seen_.insert(o.id).second) throw InputError("<items>", "item '" + o.id + "'", "id appears twice");
  const bool ok = o.predicted && *o.predicted == o.gold;
  ids_.push_back(o.id);
  correct_.push_back(ok);
  ++acc_.n;
  acc_.correct += ok;
  if (o.predicted_norm) {
    has_norm_ = true;
    ++acc_norm_.n;
    acc_norm_.correct += *o.predicted_norm == o.gold;
  }
  failed_ += !o.predicted;
  multi_ += o.gold.size() > 1;
  for (const auto& [column, value] : o.annotations) {
    Count& c = breakdown_[column][value.empty() ? "(empty)" : value];
    ++c.n;
    c.correct += ok;
  }
}

std::string AccuracyScorer::signature(const std::string& metric) const {
  const std::string ci = "|ci:wilson95";
  if (mode_ == ChoiceMode::kGenerate) return metric + "|mode:generate|extract:answer-position-v1|match:exact-set" + ci;
  if (metric == "acc_norm") return "acc_norm|mode:loglik|score:sum-logprob/chars|match:exact-set" + ci;
  return metric + "|mode:loglik|score:sum-logprob|match:exact-set" + ci;
}

ScoreReport AccuracyScorer::report() const {
  ScoreReport r;
  r.suite = "cmexam";
  r.mode = mode_ == ChoiceMode::kGenerate ? "generate" : "loglik";
  r.n = acc_.n;
  auto score = [&](const Count& c, const std::string& name) {
    const Interval w = wilson_interval(c.correct, c.n);
    MetricScore m;
    m.value = percent(c.correct, c.n);
    m.ci_low = 100.0 * w.lo;
    m.ci_high = 100.0 * w.hi;
    m.signature = signature(name);
    m.counts = {{"correct", c.correct}, {"n", c.n}};
    return m;
  };
  r.metrics["acc"] = score(acc_, "acc");
  if (has_norm_) r.metrics["acc_norm"] = score(acc_norm_, "acc_norm");
  r.counts["n_multi_answer"] = multi_;
  r.counts["extraction_failures"] = failed_;
  r.breakdown.emplace();
  for (const auto& [column, values] : breakdown_)
    for (const auto& [value, c] : values) {
      const Interval w = wilson_interval(c.correct, c.n);
      (*r.breakdown)[column][value] = GroupScore{c.n, c.correct, percent(c.correct, c.n), 100.0 * w.lo, 100.0 * w.hi};
    }
  return r;
}

ComparisonReport compare_accuracy(const AccuracyScorer& a, const AccuracyScorer& b) {
  std::unordered_map<std::string, size_t> b_index;
  for (size_t i = 0; i < b.ids().size(); ++i) b_index.emplace(b.ids()[i], i);
  int64_t only_a = 0, only_b = 0, ca = 0, cb = 0;
  for (size_t i = 0; i < a.ids().size(); ++i) {
    auto it = b_index.find(a.ids()[i]);
    if (it == b_index.end())
      throw InputError("<compare>", "item '" + a.ids()[i] + "'", "present in the first predictions but not in the second");
    const bool x = a.correct()[i], y = b.correct()[it->second];
    ca += x;
    cb += y;
    only_a += x && !y;
    only_b += y && !x;
  }
  if (b.ids().size() != a.ids().size()) {
    std::unordered_set<std::string> a_ids(a.ids().begin(), a.ids().end());
    for (const auto& id : b.ids())
      if (!a_ids.count(id))
        throw InputError("<compare>", "item '" + id + "'", "present in the second predictions but not in the first");
  }
  const int64_t n = static_cast<int64_t>(a.ids().size());
  ComparisonReport c;
  c.test = "mcnemar-exact";
  c.n = n;
  c.metrics["acc"] = PairedDelta{percent(ca, n), percent(cb, n), percent(cb, n) - percent(ca, n),
                                 mcnemar_exact_p(only_a, only_b), a.signature("acc")};
  c.counts = {{"a_only_correct", only_a}, {"b_only_correct", only_b}};
  return c;
}

}  // namespace qb
