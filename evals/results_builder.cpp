#include "evals/results_builder.h"


#include "common/error.h"
#include "suites/json_records.h"

namespace qb {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

reports::MetricValue metric_value(const MetricScore& m) {
  reports::MetricValue v;
  v.value = m.value;
  v.ci_low = m.ci_low;
  v.ci_high = m.ci_high;
  v.signature = m.signature;
  return v;
}

// The comparison's metrics, one results.json row each.
std::vector<reports::Comparison> comparisons(const ComparisonRecord& c, double alpha) {
  std::vector<reports::Comparison> out;
  for (const auto& [metric, d] : c.result.metrics) {
    reports::Comparison r;
    r.baseline = c.baseline;
    r.model = c.model;
    r.suite = c.suite;
    r.mode = c.mode;
    r.metric = metric;
    r.n = static_cast<long>(c.result.n);
    r.delta = d.delta;
    r.p_value = d.p_value;
    r.test = c.result.test;
    r.significant = r.p_value && *r.p_value < alpha;
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace

reports::Evaluation results_evaluation(const ScoreReport& report, const fs::path& samples, const fs::path& run_dir) {
  reports::Evaluation e;
  e.suite = report.suite;
  e.mode = report.mode;
  e.n = static_cast<long>(report.n);
  for (const auto& [name, m] : report.metrics) e.metrics[name] = metric_value(m);
  for (const auto& [name, count] : report.counts) {
    if (name != "extraction_failures") {
      e.counts[name] = static_cast<long>(count);
      continue;
    }
    e.counts["extraction_failures"] = static_cast<long>(count);
    if (report.mode == "generate") {
      reports::MetricValue fr;
      fr.value = report.n == 0 ? 0.0 : 100.0 * static_cast<double>(count) / static_cast<double>(report.n);
      fr.signature = "extraction|letters:A-E|answer-position";
      e.metrics["extraction_failure_rate"] = fr;
    }
  }
  if (report.breakdown)
    for (const auto& [column, groups] : *report.breakdown)
      for (const auto& [value, g] : groups) {
        reports::BreakdownGroup bg;
        bg.n = static_cast<long>(g.n);
        bg.metrics["acc"] = g.value;
        e.breakdown[column][value] = bg;
      }
  if (!samples.empty()) e.samples = fs::relative(samples, run_dir).string();
  return e;
}

reports::TrainingLog training_log(const std::string& stage, const TrainingRecord& t) {
  reports::TrainingLog log;
  log.stage = stage;
  if (!std::filesystem::exists(t.metrics_jsonl))
    throw error_in_file(t.metrics_jsonl.string(), "cannot open the training log");
  ReadReport report;
  for_each_json_record(t.metrics_jsonl, ReadOptions{}, report, [&](const json& j, const RecordLocation&) {
    if (!j.contains("step") || j.contains("eval")) return;  // evaluation lines are not curve points
    reports::CurvePoint p;
    p.step = j["step"].get<long>();
    for (auto& [k, v] : j.items())
      if (k != "step" && v.is_number()) p.values[k] = v.get<double>();
    log.curve.push_back(std::move(p));
  });
  json summary = json::object();
  for (auto& [k, v] : t.summary.items())
    if (v.is_number() || v.is_string() || v.is_boolean()) summary[k] = v;
  log.summary = summary;
  return log;
}

reports::Results build_results(const ResultsInput& in) {
  reports::Results res;
  res.manifest = in.manifest;
  for (const auto& r : in.evals) {
    reports::ModelResult* m = nullptr;
    for (auto& x : res.models)
      if (x.name == r.model) m = &x;
    if (!m) {
      res.models.emplace_back();
      m = &res.models.back();
      m->name = r.model;
      m->stage = r.checkpoint_name;
      m->rag = r.rag;
      m->checkpoint = r.checkpoint_dir.string();
      if (r.model != "base") m->base = "base";
      auto t = in.training.find(r.checkpoint_name);
      if (t != in.training.end() && !r.rag) m->training = training_log(r.checkpoint_name, t->second);
    }
    m->evaluations.push_back(results_evaluation(r.report, r.samples, in.run_dir));
  }
  // A row's base must exist in the file; without a base row, rows stand alone.
  if (!res.find_model("base"))
    for (auto& m : res.models) m.base.clear();
  for (const auto& c : in.comparisons)
    for (auto& row : comparisons(c, in.alpha)) res.comparisons.push_back(std::move(row));
  return res;
}

}  // namespace qb
