#include "harness/pipeline_summary.h"

#include <fmt/format.h>

namespace qb {

namespace {

const reports::MetricValue* find_metric(const reports::ModelResult& m, const std::string& suite,
                                        const std::string& mode, const std::string& metric) {
  for (auto& e : m.evaluations)
    if (e.suite == suite && e.mode == mode) {
      auto it = e.metrics.find(metric);
      return it == e.metrics.end() ? nullptr : &it->second;
    }
  return nullptr;
}

std::string cell(const reports::MetricValue* v) {
  if (!v) return "-";
  if (v->ci_low && v->ci_high) return fmt::format("{:.1f} [{:.1f},{:.1f}]", v->value, *v->ci_low, *v->ci_high);
  return fmt::format("{:.2f}", v->value);
}

}  // namespace

void print_summary(const reports::Results& r, std::FILE* out) {
  fmt::print(out, "\n{:<10} {:>22} {:>22} {:>8} {:>8}\n", "model", "CMExam acc (loglik)", "CMExam acc (generate)",
             "BLEU-1", "ROUGE-1");
  for (auto& m : r.models) {
    fmt::print(out, "{:<10} {:>22} {:>22} {:>8} {:>8}\n", m.name, cell(find_metric(m, "cmexam", "loglik", "acc")),
               cell(find_metric(m, "cmexam", "generate", "acc")),
               find_metric(m, "huatuo26m", "generate", "bleu1")
                   ? fmt::format("{:.2f}", find_metric(m, "huatuo26m", "generate", "bleu1")->value)
                   : "-",
               find_metric(m, "huatuo26m", "generate", "rouge1")
                   ? fmt::format("{:.2f}", find_metric(m, "huatuo26m", "generate", "rouge1")->value)
                   : "-");
  }
  fmt::print(out, "\nDoes each stage gain as the paper reports? (paired tests: McNemar exact for accuracy, "
                  "paired bootstrap for BLEU/ROUGE)\n");
  for (auto& g : stage_gains(r)) {
    if (!g.measured) {
      fmt::print(out, "  {:<40} {:<8} {:<9} not measured\n", g.claim, g.mode, g.metric);
      continue;
    }
    fmt::print(out, "  {:<40} {:<8} {:<9} {:+7.2f}  p={:<7.4f} {}\n", g.claim, g.mode, g.metric, g.delta, g.p_value,
               g.verdict);
  }
}

}  // namespace qb
