#include "harness/results_builder.h"


#include "common/error.h"
#include "suites/json_records.h"

namespace qb {
namespace fs = std::filesystem;
using nlohmann::json;

std::string results_suite_name(const std::string& suite) { return suite == "huatuo" ? "huatuo26m" : suite; }

namespace {

reports::MetricValue metric_value(const json& m) {
  reports::MetricValue v;
  v.value = m.at("value").get<double>();
  if (m.contains("interval") && m["interval"].is_array() && m["interval"].size() == 2) {
    v.ci_low = m["interval"][0].get<double>();
    v.ci_high = m["interval"][1].get<double>();
  }
  v.signature = m.value("signature", "");
  return v;
}

reports::Evaluation evaluation(const EvalRecord& r, const fs::path& run_dir) {
  reports::Evaluation e;
  e.suite = results_suite_name(r.suite);
  e.mode = r.mode;
  e.n = r.metrics.at("n").get<long>();
  for (auto& [name, m] : r.metrics.at("metrics").items()) e.metrics[name] = metric_value(m);
  if (r.metrics.contains("extraction")) {
    const json& x = r.metrics["extraction"];
    e.counts["extraction_failures"] = x.at("failed").get<long>();
    if (r.mode == "generate") {
      reports::MetricValue fr;
      fr.value = x.at("failure_rate").get<double>();
      fr.signature = "extraction|letters:A-E|answer-position";
      e.metrics["extraction_failure_rate"] = fr;
    }
  }
  for (const char* c : {"n_empty", "n_empty_reference", "n_multi_answer"})
    if (r.metrics.contains(c)) e.counts[c] = r.metrics[c].get<long>();
  if (r.metrics.contains("breakdown"))
    for (auto& [column, groups] : r.metrics["breakdown"].items())
      for (auto& [value, g] : groups.items()) {
        reports::BreakdownGroup bg;
        bg.n = g.at("n").get<long>();
        bg.metrics["acc"] = g.at("value").get<double>();
        e.breakdown[column][value] = bg;
      }
  e.samples = fs::relative(r.samples, run_dir).string();
  return e;
}

// The comparison objects of the metrics module, flattened into one row per metric.
std::vector<reports::Comparison> comparisons(const ComparisonRecord& c, double alpha) {
  std::vector<reports::Comparison> out;
  auto row = [&](const std::string& metric, const json& m, const std::string& test) {
    reports::Comparison r;
    r.baseline = c.baseline;
    r.model = c.model;
    r.suite = results_suite_name(c.suite);
    r.mode = c.mode;
    r.metric = metric;
    r.n = c.result.value("n", 0L);
    r.delta = m.at("delta").get<double>();
    if (m.contains("interval") && m["interval"].is_array() && m["interval"].size() == 2) {
      r.ci_low = m["interval"][0].get<double>();
      r.ci_high = m["interval"][1].get<double>();
    }
    if (m.contains("p_value") && !m["p_value"].is_null()) r.p_value = m["p_value"].get<double>();
    r.test = test;
    r.significant = r.p_value && *r.p_value < alpha;
    return r;
  };
  std::string test = c.result.at("test").get<std::string>();
  if (c.result.contains("metrics")) {
    for (auto& [name, m] : c.result["metrics"].items()) out.push_back(row(name, m, test));
  } else {
    out.push_back(row("acc", c.result, test));
  }
  return out;
}

}  // namespace

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
    m->evaluations.push_back(evaluation(r, in.run_dir));
  }
  // A row's base must exist in the file; without a base row, rows stand alone.
  if (!res.find_model("base"))
    for (auto& m : res.models) m.base.clear();
  for (const auto& c : in.comparisons)
    for (auto& row : comparisons(c, in.alpha)) res.comparisons.push_back(std::move(row));
  return res;
}

}  // namespace qb
