// Multiple-choice accuracy (CMExam): exact letter-set match, Wilson 95 % interval, counts,
// extraction failures, and a breakdown by every annotation column present (SPEC §3, §4).
//
// Result JSON (docs/METRICS.md):
//   {"suite": "cmexam", "mode": "generate"|"loglik", "n": N, "n_multi_answer": M,
//    "metrics": {"acc": {"value": 40.0, "interval": [lo, hi], "correct": K, "n": N, "signature": ".."},
//                "acc_norm": {...}  (loglik with log-probabilities only)},
//    "extraction": {"failed": F, "failure_rate": 100 F / N},
//    "breakdown": {"Disease Group": {"<value>": {"n":.., "correct":.., "value":.., "interval": [..]}}}}
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "metrics/score_report.h"

namespace qb {

enum class ChoiceMode { kGenerate, kLoglik };

// One scored question.
struct ChoiceOutcome {
  std::string id;
  std::string gold;                       // sorted letter set, e.g. "C" or "ABD"
  std::optional<std::string> predicted;   // sorted letter set; nullopt = extraction failed
  std::optional<std::string> predicted_norm;  // loglik acc_norm choice, when log-probabilities were given
  std::map<std::string, std::string> annotations;  // column -> value (empty values grouped as "(empty)")
};

class AccuracyScorer {
 public:
  explicit AccuracyScorer(ChoiceMode mode) : mode_(mode) {}
  // Throws InputError("<items>", "item 'ID'", "id appears twice") for a repeated id.
  void add(const ChoiceOutcome& outcome);
  ScoreReport report() const;
  nlohmann::json result() const { return report().to_json(); }

  size_t size() const { return ids_.size(); }
  const std::vector<std::string>& ids() const { return ids_; }
  const std::vector<bool>& correct() const { return correct_; }
  std::string signature(const std::string& metric) const;

 private:
  struct Count {
    int64_t n = 0, correct = 0;
  };
  ChoiceMode mode_;
  std::vector<std::string> ids_;
  std::vector<bool> correct_;
  std::unordered_set<std::string> seen_;
  Count acc_, acc_norm_;
  bool has_norm_ = false;
  int64_t failed_ = 0, multi_ = 0;
  std::map<std::string, std::map<std::string, Count>> breakdown_;
};

// Exact McNemar test of B against A on items matched by id. Throws InputError naming an id
// present in one and not the other. Test "mcnemar-exact", one metric "acc" {a, b, delta = b - a,
// p_value}, counts a_only_correct and b_only_correct.
ComparisonReport compare_accuracy(const AccuracyScorer& a, const AccuracyScorer& b);

}  // namespace qb
