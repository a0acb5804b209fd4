#include "evals/gate.h"

#include <fmt/format.h>

#include "common/error.h"
#include "common/json_config.h"
#include "evals/samples.h"
#include "metrics/huatuo_options.h"
#include "reports/metric_catalog.h"
#include "reports/results.h"

namespace qb {
namespace fs = std::filesystem;
using nlohmann::json;

double GateTolerances::tolerance(const std::string& metric) const {
  auto it = per_metric.find(metric);
  return it == per_metric.end() ? default_points : it->second;
}

GateTolerances load_gate_tolerances(const fs::path& file) {
  json j = read_json_file(file.string());
  GateTolerances t;
  const json defaults = {{"default", 1.0}, {"metrics", json::object()}, {"alpha", 0.05},
                         {"resamples", 1000}, {"seed", 12345}};
  json m = merge_config(defaults, j, file.string());
  t.default_points = m["default"].get<double>();
  for (auto& [k, v] : m["metrics"].items()) {
    if (!v.is_number()) throw InputError(file.string(), "key 'metrics." + k + "'", "must be a number");
    t.per_metric[k] = v.get<double>();
  }
  t.alpha = m["alpha"].get<double>();
  t.resamples = m["resamples"].get<int>();
  t.seed = m["seed"].get<uint64_t>();
  return t;
}

namespace {

// The text-metric options the current run scored with (its manifest's config), without the
// bootstrap: the paired test needs the per-item statistics only.
HuatuoScoreOptions metric_options_of(const reports::Results& r) {
  HuatuoScoreOptions o;
  const json& m = r.manifest;
  if (m.contains("config") && m["config"].contains("metrics")) o = huatuo_options_from_json(m["config"]["metrics"]);
  o.bootstrap = 0;
  return o;
}

const reports::Evaluation* find_eval(const reports::ModelResult& m, const std::string& suite,
                                     const std::string& mode) {
  for (auto& e : m.evaluations)
    if (e.suite == suite && e.mode == mode) return &e;
  return nullptr;
}

}  // namespace

GateReport run_gate(const fs::path& baseline_path, const fs::path& current_path, const GateTolerances& tol) {
  reports::Results base = reports::load_results(baseline_path);
  reports::Results cur = reports::load_results(current_path);
  HuatuoScoreOptions mopt = metric_options_of(cur);
  GateReport report;
  report.baseline_file = baseline_path.string();
  report.current_file = current_path.string();
  report.alpha = tol.alpha;
  // Paired tests are computed once per (model, suite, mode) and serve all its metrics.
  std::map<std::string, ComparisonReport> paired;

  for (auto& bm : base.models) {
    const reports::ModelResult* cm = cur.find_model(bm.name);
    for (auto& be : bm.evaluations) {
      const reports::Evaluation* ce = cm ? find_eval(*cm, be.suite, be.mode) : nullptr;
      for (auto& [metric, bv] : be.metrics) {
        GateRow row{bm.name, be.suite, be.mode, metric, bv.value};
        row.tolerance = tol.tolerance(metric);
        if (bv.ci_low && bv.ci_high) row.baseline_interval = std::make_pair(*bv.ci_low, *bv.ci_high);
        row.test = "none";
        if (!ce || !ce->metrics.count(metric)) {
          row.verdict = "MISSING";
          row.failed = true;
          report.rows.push_back(row);
          ++report.failures;
          continue;
        }
        const reports::MetricValue& cv = ce->metrics.at(metric);
        row.current = cv.value;
        row.signature = cv.signature;
        if (cv.ci_low && cv.ci_high) row.current_interval = std::make_pair(*cv.ci_low, *cv.ci_high);
        double sign = reports::lower_is_better(metric) ? -1.0 : 1.0;
        row.change = sign * (*row.current - bv.value);
        if (row.change >= 0) {
          row.verdict = "ok";
        } else if (-row.change <= row.tolerance) {
          row.verdict = "within tolerance";
        } else {
          // A drop beyond tolerance: is it real? Ask the paired test where samples exist.
          if (!be.samples.empty() && !ce->samples.empty()) {
            fs::path sa = baseline_path.parent_path() / be.samples, sb = current_path.parent_path() / ce->samples;
            if (fs::exists(sa) && fs::exists(sb)) {
              std::string key = bm.name + "|" + be.suite + "|" + be.mode;
              if (!paired.count(key)) {
                SuiteOptions so;
                so.mode = be.mode;
                so.scoring = mopt;
                paired[key] = compare_samples(sa, sb, be.suite, so, tol.resamples, tol.seed);
              }
              const ComparisonReport& p = paired[key];
              const PairedDelta* d = p.find(metric);
              if (d && d->p_value) {
                row.p_value = d->p_value;
                row.test = p.test;
              }
            }
          }
          bool real = !row.p_value || *row.p_value < tol.alpha;
          row.failed = real;
          row.verdict = real ? "REGRESSION" : "not significant";
          if (real) ++report.failures;
        }
        report.rows.push_back(row);
      }
    }
  }
  return report;
}

void print_gate_report(const GateReport& r, std::FILE* out) {
  fmt::print(out, "{:<10} {:<10} {:<9} {:<24} {:>9} {:>9} {:>8} {:>6} {:>8}  {}\n", "model", "suite", "mode", "metric",
             "baseline", "current", "change", "tol", "p", "verdict");
  for (auto& row : r.rows) {
    fmt::print(out, "{:<10} {:<10} {:<9} {:<24} {:>9.3f} {:>9} {:>+8.3f} {:>6.2f} {:>8}  {}\n", row.model, row.suite,
               row.mode, row.metric, row.baseline, row.current ? fmt::format("{:.3f}", *row.current) : "-",
               row.change, row.tolerance, row.p_value ? fmt::format("{:.4f}", *row.p_value) : "-", row.verdict);
  }
  fmt::print(out, "{} metric(s) compared, {} regression(s)\n", r.rows.size(), r.failures);
}

}  // namespace qb
