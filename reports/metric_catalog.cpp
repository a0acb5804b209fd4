#include "reports/metric_catalog.h"

#include <array>
#include <utility>

namespace qb::reports {
namespace {

template <size_t N>
int rank_in(const std::array<const char*, N>& known, const std::string& name) {
  for (size_t i = 0; i < N; ++i)
    if (name == known[i]) return static_cast<int>(i);
  return static_cast<int>(N);
}

const std::array<const char*, 2> kSuites = {"cmexam", "huatuo26m"};
const std::array<const char*, 2> kModes = {"loglik", "generate"};
const std::array<const char*, 14> kMetrics = {
    "acc",    "acc_norm", "extraction_failure_rate", "bleu1",     "bleu2",     "bleu3", "bleu4",
    "rouge1", "rouge2",   "rougeL",                  "distinct1", "distinct2", "gleu",  "bleu"};

}  // namespace

int suite_rank(const std::string& suite) { return rank_in(kSuites, suite); }
int mode_rank(const std::string& mode) { return rank_in(kModes, mode); }
int metric_rank(const std::string& metric) { return rank_in(kMetrics, metric); }

std::string suite_label(const std::string& suite) {
  if (suite == "cmexam") return "CMExam";
  if (suite == "huatuo26m") return "Huatuo-26M";
  return suite;
}

std::string metric_label(const std::string& metric) {
  static const std::pair<const char*, const char*> kLabels[] = {
      {"acc", "Accuracy"},        {"acc_norm", "Accuracy (norm)"}, {"extraction_failure_rate", "Extraction failures"},
      {"bleu1", "BLEU-1"},        {"bleu2", "BLEU-2"},             {"bleu3", "BLEU-3"},
      {"bleu4", "BLEU-4"},        {"bleu", "BLEU"},                {"rouge1", "ROUGE-1"},
      {"rouge2", "ROUGE-2"},      {"rougeL", "ROUGE-L"},           {"distinct1", "Distinct-1"},
      {"distinct2", "Distinct-2"}, {"gleu", "GLEU"}};
  for (const auto& [name, label] : kLabels)
    if (metric == name) return label;
  return metric;
}

bool lower_is_better(const std::string& metric) { return metric == "extraction_failure_rate"; }

}  // namespace qb::reports
