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

std::vector<StageGain> stage_gains(const reports::Results& r) {
  std::vector<StageGain> claims = {
      {"DCPT raises CMExam accuracy over base", "base", "dcpt", "cmexam", "loglik", "acc"},
      {"DCPT raises CMExam accuracy over base", "base", "dcpt", "cmexam", "generate", "acc"},
      {"SFT raises CMExam accuracy over DCPT", "dcpt", "sft", "cmexam", "generate", "acc"},
      {"SFT raises CMExam accuracy over DCPT", "dcpt", "sft", "cmexam", "loglik", "acc"},
      {"DPO raises Huatuo BLEU-1 over SFT", "sft", "dpo", "huatuo26m", "generate", "bleu1"},
      {"DPO raises Huatuo ROUGE-1 over SFT", "sft", "dpo", "huatuo26m", "generate", "rouge1"},
      {"RAG raises CMExam accuracy (SFT)", "sft", "sft+rag", "cmexam", "generate", "acc"},
      {"RAG raises CMExam accuracy (SFT)", "sft", "sft+rag", "cmexam", "loglik", "acc"},
      {"RAG raises CMExam accuracy (DPO)", "dpo", "dpo+rag", "cmexam", "generate", "acc"},
  };
  for (auto& c : claims) {
    c.verdict = "not measured";
    for (auto& cmp : r.comparisons) {
      if (cmp.baseline != c.baseline || cmp.model != c.model || cmp.suite != c.suite || cmp.mode != c.mode ||
          cmp.metric != c.metric)
        continue;
      c.measured = true;
      c.delta = cmp.delta;
      c.p_value = cmp.p_value.value_or(1.0);
      c.significant = cmp.significant;
      c.verdict = c.delta > 0 ? (c.significant ? "gain (significant)" : "gain (not significant)") : "no gain";
    }
  }
  return claims;
}

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
