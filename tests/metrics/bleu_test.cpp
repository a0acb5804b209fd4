// BLEU: nmt corpus BLEU and NLTK 3.8 sentence BLEU on hand-computed examples.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>

#include "metrics/bleu.h"
#include "tests/metrics/metric_test_util.h"

namespace qb {
namespace {

using testing::char_bleu_counts;

// hyp 我头痛发烧 (5 chars) vs ref 头痛发烧怎么办 (7 chars): unigram matches 头痛发烧 = 4 of 5,
// bigrams 3 of 4, trigrams 2 of 3, 4-grams 1 of 2; c < r so BP = exp(1 - 7/5).
TEST(NmtCorpusBleu, SinglePairByHand) {
  const BleuCounts c = char_bleu_counts("我头痛发烧", "头痛发烧怎么办");
  EXPECT_EQ(c.matches[0], 4);
  EXPECT_EQ(c.possible[0], 5);
  EXPECT_EQ(c.matches[3], 1);
  EXPECT_EQ(c.possible[3], 2);
  const double bp = std::exp(1.0 - 7.0 / 5.0);
  EXPECT_NEAR(nmt_corpus_bleu(c, 1), 0.8 * bp, 1e-15);
  EXPECT_NEAR(nmt_corpus_bleu(c, 2), std::sqrt(0.8 * 0.75) * bp, 1e-15);
  EXPECT_NEAR(nmt_corpus_bleu(c, 4), std::pow(0.8 * 0.75 * (2.0 / 3) * 0.5, 0.25) * bp, 1e-15);
}

// Corpus BLEU sums counts before dividing: adding an empty prediction with reference 多喝水
// keeps the matches and lengthens r to 10, so BP = exp(1 - 10/5) = exp(-1).
TEST(NmtCorpusBleu, SumsCountsAcrossItemsAndPenalisesEmptyPredictions) {
  BleuCounts total = char_bleu_counts("我头痛发烧", "头痛发烧怎么办");
  total += char_bleu_counts("", "多喝水");
  EXPECT_EQ(total.hyp_len, 5);
  EXPECT_EQ(total.ref_len, 10);
  EXPECT_NEAR(nmt_corpus_bleu(total, 1), 0.8 * std::exp(-1.0), 1e-15);
}

TEST(NmtCorpusBleu, ZeroPrecisionGivesZeroAndLongHypothesisHasNoPenalty) {
  // 4-gram precision 0 -> geo_mean 0 (nmt: min(precisions) == 0), whatever the lower orders.
  EXPECT_EQ(nmt_corpus_bleu(char_bleu_counts("abxab", "abcab"), 4), 0.0);
  // c = 6 > r = 3: BP = 1, p1 = 3/6.
  EXPECT_NEAR(nmt_corpus_bleu(char_bleu_counts("abcxyz", "abc"), 1), 0.5, 1e-15);
  // c == r: ratio 1 is not > 1, BP = exp(1 - 1) = 1.
  EXPECT_NEAR(nmt_corpus_bleu(char_bleu_counts("abd", "abc"), 1), 2.0 / 3.0, 1e-15);
  EXPECT_EQ(nmt_corpus_bleu(char_bleu_counts("", ""), 1), 0.0);
  EXPECT_EQ(nmt_corpus_bleu(char_bleu_counts("abc", ""), 1), 0.0);
  EXPECT_THROW(nmt_corpus_bleu(BleuCounts{}, 5), std::invalid_argument);
}

// abxab vs abcab, BLEU-4: p = 4/5, 2/4, 0/3, 0/2, c = r = 5 so BP = 1.
TEST(NltkSentenceBleu, SmoothingMethodsByHand) {
  const BleuCounts c = char_bleu_counts("abxab", "abcab");
  auto geo = [](double a, double b, double x, double y) { return std::pow(a * b * x * y, 0.25); };
  EXPECT_NEAR(nltk_sentence_bleu(c, 4, 1), geo(0.8, 0.5, 0.1 / 3, 0.1 / 2), 1e-15);
  EXPECT_NEAR(nltk_sentence_bleu(c, 4, 2), geo(0.8, 3.0 / 5, 1.0 / 4, 1.0 / 3), 1e-15);
  EXPECT_NEAR(nltk_sentence_bleu(c, 4, 3), geo(0.8, 0.5, 1.0 / 6, 1.0 / 8), 1e-15);
  const double l = std::log(5.0);
  EXPECT_NEAR(nltk_sentence_bleu(c, 4, 4), geo(0.8, 0.5, l / 10 / 3, l / 20 / 2), 1e-15);
  // method0 puts sys.float_info.min for the zero precisions.
  EXPECT_NEAR(nltk_sentence_bleu(c, 4, 0), std::exp(0.25 * (std::log(0.4) + 2 * std::log(DBL_MIN))), 1e-165);
  // Values printed by NLTK 3.8 itself for this pair (method5: average with neighbours and the
  // 5-gram precision; method7: method4 then method5).
  EXPECT_NEAR(nltk_sentence_bleu(c, 4, 5), 0.26736568091462953, 1e-15);
  EXPECT_NEAR(nltk_sentence_bleu(c, 4, 7), 0.3111825343683941, 1e-15);
  EXPECT_THROW(nltk_sentence_bleu(c, 4, 6), std::invalid_argument);
}

TEST(NltkSentenceBleu, EdgeCases) {
  // No unigram match: NLTK returns 0 before smoothing.
  EXPECT_EQ(nltk_sentence_bleu(char_bleu_counts("xyz", "abc"), 1, 1), 0.0);
  EXPECT_EQ(nltk_sentence_bleu(char_bleu_counts("", "abc"), 1, 0), 0.0);
  // method4 leaves a zero precision unsmoothed when the hypothesis has one token, and zero
  // precisions are skipped in the weighted log sum: a vs ab gives exp(0.5 log 1) * exp(1 - 2).
  EXPECT_NEAR(nltk_sentence_bleu(char_bleu_counts("a", "ab"), 2, 4), std::exp(-1.0), 1e-15);
  // BLEU-1 of 我头痛发烧 vs 头痛发烧怎么办 matches nmt (single pair, same BP).
  const BleuCounts c = char_bleu_counts("我头痛发烧", "头痛发烧怎么办");
  EXPECT_NEAR(nltk_sentence_bleu(c, 1, 0), 0.5362560368285115, 1e-15);
  EXPECT_NEAR(nltk_sentence_bleu(c, 2, 2), 0.5362560368285115, 1e-15);  // p2 = (3+1)/(4+1) = 0.8
}

}  // namespace
}  // namespace qb
