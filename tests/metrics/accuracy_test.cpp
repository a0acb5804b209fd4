// Multiple-choice accuracy: exact set match, Wilson interval, failures, breakdown, McNemar, loglik.
#include <gtest/gtest.h>

#include "common/error.h"
#include "metrics/accuracy_scorer.h"
#include "metrics/loglik_choice.h"
#include "metrics/statistics.h"

namespace qb {
namespace {

ChoiceOutcome outcome(std::string id, std::string gold, std::optional<std::string> pred, std::string group = "") {
  ChoiceOutcome o;
  o.id = std::move(id);
  o.gold = std::move(gold);
  o.predicted = std::move(pred);
  if (!group.empty()) o.annotations["Disease Group"] = group;
  return o;
}

TEST(Accuracy, ExactSetMatchFailuresAndBreakdown) {
  AccuracyScorer s(ChoiceMode::kGenerate);
  s.add(outcome("1", "C", "C", "内科"));
  s.add(outcome("2", "ABD", "AB", "内科"));   // subset of a multi-answer: wrong
  s.add(outcome("3", "ABD", "ABD", "外科"));  // exact set: right
  s.add(outcome("4", "E", std::nullopt, "外科"));  // extraction failed: wrong, counted
  const auto j = s.result();
  EXPECT_EQ(j["n"], 4);
  EXPECT_EQ(j["n_multi_answer"], 2);
  EXPECT_EQ(j["metrics"]["acc"]["correct"], 2);
  EXPECT_DOUBLE_EQ(j["metrics"]["acc"]["value"].get<double>(), 50.0);
  const Interval w = wilson_interval(2, 4);
  EXPECT_DOUBLE_EQ(j["metrics"]["acc"]["interval"][0].get<double>(), 100 * w.lo);
  EXPECT_EQ(j["extraction"]["failed"], 1);
  EXPECT_DOUBLE_EQ(j["extraction"]["failure_rate"].get<double>(), 25.0);
  EXPECT_EQ(j["breakdown"]["Disease Group"]["内科"]["correct"], 1);
  EXPECT_EQ(j["breakdown"]["Disease Group"]["外科"]["n"], 2);
  EXPECT_EQ(j["metrics"]["acc"]["signature"], "acc|mode:generate|extract:answer-position-v1|match:exact-set|ci:wilson95");
  EXPECT_THROW(s.add(outcome("1", "C", "C")), InputError);
}

TEST(Accuracy, McNemarOnItemsMatchedById) {
  AccuracyScorer a(ChoiceMode::kGenerate), b(ChoiceMode::kGenerate);
  // 10 items; a right on 0..1, b right on 1..9 (b given in reverse order).
  for (int i = 0; i < 10; ++i) a.add(outcome(std::to_string(i), "A", i <= 1 ? "A" : "B"));
  for (int i = 9; i >= 0; --i) b.add(outcome(std::to_string(i), "A", i >= 1 ? "A" : "B"));
  const auto j = compare_accuracy(a, b).to_json();
  EXPECT_EQ(j["a_only_correct"], 1);
  EXPECT_EQ(j["b_only_correct"], 8);
  EXPECT_NEAR(j["p_value"].get<double>(), 2.0 * 10 / 512, 1e-15);  // 2 * P[Bin(9,.5) <= 1]
  EXPECT_DOUBLE_EQ(j["delta"].get<double>(), 70.0);
  AccuracyScorer c(ChoiceMode::kGenerate);
  c.add(outcome("zz", "A", "A"));
  try {
    compare_accuracy(a, c);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "<compare>: item '0': present in the first predictions but not in the second");
  }
}

TEST(LoglikChoice, SumAndLengthNormalised) {
  // A: -6 over 2 chars (-3/char); B: -5 over 1 char (-5/char). acc picks B, acc_norm picks A.
  const auto c = loglik_choice({{'A', -6.0}, {'B', -5.0}}, {{'A', "头痛"}, {'B', "热"}});
  EXPECT_EQ(c.acc, 'B');
  EXPECT_EQ(c.acc_norm, 'A');
  // Ties go to the earlier letter.
  const auto t = loglik_choice({{'A', -1.0}, {'B', -1.0}}, {{'A', "x"}, {'B', "y"}});
  EXPECT_EQ(t.acc, 'A');
  EXPECT_THROW(loglik_choice({{'F', -1.0}}, {{'A', "x"}}), std::invalid_argument);
}

}  // namespace
}  // namespace qb
