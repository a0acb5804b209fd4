// ROUGE-N (set and count), ROUGE-L and the bit-parallel LCS.
#include <gtest/gtest.h>

#include <random>

#include "metrics/lcs.h"
#include "metrics/rouge.h"
#include "tests/metrics/metric_test_util.h"

namespace qb {
namespace {

using testing::char_ids;

PrecisionRecallF rouge(const std::string& h, const std::string& r, int n, RougeNgramMode mode) {
  return rouge_n(ngram_overlap(char_ids(h), char_ids(r), 2), n, mode);
}

// hyp 头痛头痛 has the unigram set {头, 痛}; ref 头痛发烧 has {头, 痛, 发, 烧}: P = 2/2, R = 2/4.
// Counting instead: overlap min(2,1) + min(2,1) = 2 of 4 hyp unigrams, P = 1/2, R = 2/4.
TEST(Rouge, SetVersusCountByHand) {
  const auto s = rouge("头痛头痛", "头痛发烧", 1, RougeNgramMode::kSet);
  EXPECT_DOUBLE_EQ(s.p, 1.0);
  EXPECT_DOUBLE_EQ(s.r, 0.5);
  EXPECT_DOUBLE_EQ(s.f, 2 * 1.0 * 0.5 / (1.5 + 1e-8));
  const auto c = rouge("头痛头痛", "头痛发烧", 1, RougeNgramMode::kCount);
  EXPECT_DOUBLE_EQ(c.p, 0.5);
  EXPECT_DOUBLE_EQ(c.r, 0.5);
  EXPECT_DOUBLE_EQ(c.f, 2 * 0.25 / (1.0 + 1e-8));
  // Bigrams: hyp set {头痛, 痛头}, ref set {头痛, 痛发, 发烧}: P = 1/2, R = 1/3.
  const auto b = rouge("头痛头痛", "头痛发烧", 2, RougeNgramMode::kSet);
  EXPECT_DOUBLE_EQ(b.p, 0.5);
  EXPECT_DOUBLE_EQ(b.r, 1.0 / 3);
}

TEST(Rouge, EmptyAndTooShortTextsScoreZero) {
  EXPECT_EQ(rouge("", "头痛", 1, RougeNgramMode::kSet).f, 0.0);
  EXPECT_EQ(rouge("头痛", "", 1, RougeNgramMode::kSet).f, 0.0);
  EXPECT_EQ(rouge("头", "头", 2, RougeNgramMode::kSet).f, 0.0);  // no bigram on either side
  EXPECT_NEAR(rouge("头", "头", 1, RougeNgramMode::kSet).f, 2.0 / (2.0 + 1e-8), 1e-15);
}

TEST(RougeL, BetaWeightedFByHand) {
  // LCS(头痛发烧, 我头发烧了) = 头发烧 = 3; P = 3/5, R = 3/4, beta = P/R = 0.8.
  const auto h = code_points("我头发烧了"), r = code_points("头痛发烧");
  ASSERT_EQ(lcs_length(h, r), 3u);
  const auto s = rouge_l(3, 5, 4);
  const double p = 0.6, rr = 0.75, beta = p / rr;
  EXPECT_DOUBLE_EQ(s.f, (1 + beta * beta) * p * rr / (rr + beta * beta * p));
  EXPECT_EQ(rouge_l(0, 5, 4).f, 0.0);
  EXPECT_EQ(rouge_l(0, 0, 4).f, 0.0);
}

size_t lcs_table(const std::vector<char32_t>& a, const std::vector<char32_t>& b) {
  std::vector<std::vector<size_t>> t(a.size() + 1, std::vector<size_t>(b.size() + 1, 0));
  for (size_t i = 1; i <= a.size(); ++i)
    for (size_t j = 1; j <= b.size(); ++j)
      t[i][j] = a[i - 1] == b[j - 1] ? t[i - 1][j - 1] + 1 : std::max(t[i - 1][j], t[i][j - 1]);
  return t[a.size()][b.size()];
}

// The bit-parallel LCS against the textbook table, on random strings over small alphabets
// (many matches) and lengths that cross the 64-bit word boundaries.
TEST(Lcs, MatchesDynamicProgrammingTable) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 400; ++trial) {
    const size_t la = rng() % 200, lb = rng() % 200;
    const uint32_t alphabet = 2 + rng() % 6;
    std::vector<char32_t> a(la), b(lb);
    for (auto& c : a) c = 0x4E00 + rng() % alphabet;
    for (auto& c : b) c = 0x4E00 + rng() % alphabet;
    ASSERT_EQ(lcs_length(a, b), lcs_table(a, b)) << "trial " << trial << " la " << la << " lb " << lb;
    const std::vector<uint32_t> a32(a.begin(), a.end()), b32(b.begin(), b.end());
    ASSERT_EQ(lcs_length(a32, b32), lcs_table(a, b)) << "trial " << trial;
  }
  EXPECT_EQ(lcs_length(std::vector<char32_t>{}, {U'a'}), 0u);
}

TEST(NgramOverlap, CountsPerOrder) {
  // abab vs ab: unigrams hyp {a:2, b:2} ref {a, b}: clipped 2; bigrams hyp {ab:2, ba:1} ref {ab}.
  const auto o = ngram_overlap(char_ids("abab"), char_ids("ab"));
  EXPECT_EQ(o.hyp_total[0], 4);
  EXPECT_EQ(o.clipped[0], 2);
  EXPECT_EQ(o.hyp_distinct[1], 2);
  EXPECT_EQ(o.common_distinct[1], 1);
  EXPECT_EQ(o.clipped[1], 1);
  EXPECT_EQ(o.ref_total[2], 0);
  EXPECT_EQ(o.hyp_total[3], 1);
  EXPECT_THROW(ngram_overlap({kMaxNgramTokenId + 1}, {}), std::invalid_argument);
}

// Small dense ids count order 1 in arrays, sparse ids hash it, large ids take the 128-bit key
// path; the counts must not depend on which path is taken.
TEST(NgramOverlap, KeyWidthDoesNotChangeCounts) {
  std::mt19937 rng(3);
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<uint32_t> h(rng() % 40), r(rng() % 40);
    for (auto& t : h) t = rng() % 4;
    for (auto& t : r) t = rng() % 4;
    auto big = [](std::vector<uint32_t> v) {
      for (auto& t : v) t = kMaxNgramTokenId - t;  // same equalities, 25-bit ids
      return v;
    };
    auto shifted = [](std::vector<uint32_t> v) {
      for (auto& t : v) t += 5000;  // too sparse for order-1 counting arrays, 13-bit ids: hashed keys
      return v;
    };
    const auto a = ngram_overlap(h, r), b = ngram_overlap(big(h), big(r)), c = ngram_overlap(shifted(h), shifted(r), 4);
    const auto ma = ngram_matches(h, r, 4), mc = ngram_matches(shifted(h), shifted(r), 4);
    for (int o = 0; o < kMaxNgramOrder; ++o) {
      ASSERT_EQ(a.clipped[o], b.clipped[o]);
      ASSERT_EQ(a.common_distinct[o], b.common_distinct[o]);
      ASSERT_EQ(a.hyp_distinct[o], b.hyp_distinct[o]);
      ASSERT_EQ(a.ref_distinct[o], b.ref_distinct[o]);
      ASSERT_EQ(a.ref_total[o], b.ref_total[o]);
      if (o >= 4) continue;
      ASSERT_EQ(a.clipped[o], c.clipped[o]) << "trial " << trial << " order " << o + 1;
      ASSERT_EQ(a.common_distinct[o], c.common_distinct[o]);
      ASSERT_EQ(a.hyp_distinct[o], c.hyp_distinct[o]);
      ASSERT_EQ(a.ref_distinct[o], c.ref_distinct[o]);
      ASSERT_EQ(ma.clipped[o], mc.clipped[o]) << "trial " << trial << " order " << o + 1;
      ASSERT_EQ(ma.hyp_total[o], mc.hyp_total[o]);
      ASSERT_EQ(ma.ref_total[o], mc.ref_total[o]);
    }
  }
}

TEST(NgramOverlap, MatchesOnlyEqualsTheFullCountsTotalsAndClipped) {
  std::mt19937 rng(11);
  for (int trial = 0; trial < 3000; ++trial) {
    std::vector<uint32_t> h(rng() % 40), r(rng() % 40);
    const uint32_t alphabet = 1 + rng() % (trial % 3 == 0 ? 3 : 12);
    for (auto& t : h) t = rng() % alphabet;
    for (auto& t : r) t = rng() % alphabet;
    if (trial % 5 == 0 && !r.empty()) h.insert(h.end(), r.begin(), r.begin() + static_cast<long>(rng() % r.size()));
    const uint32_t offset = trial % 7 == 0 ? kMaxNgramTokenId - 20 : 0;  // 25-bit ids: the 128-bit path
    for (auto& t : h) t += offset;
    for (auto& t : r) t += offset;
    const auto full = ngram_overlap(h, r), fast = ngram_matches(h, r);
    for (int o = 0; o < kMaxNgramOrder; ++o) {
      ASSERT_EQ(fast.clipped[o], full.clipped[o]) << "trial " << trial << " order " << o + 1;
      ASSERT_EQ(fast.hyp_total[o], full.hyp_total[o]);
      ASSERT_EQ(fast.ref_total[o], full.ref_total[o]);
      ASSERT_EQ(fast.hyp_distinct[o], 0);
    }
  }
  // Hand-checked: hyp "a b a b c", ref "a b c": unigrams a:2/1 b:2/1 c:1/1 -> 3; bigrams ab:2/1
  // ba:1/0 bc:1/1 -> 2; trigrams aba bab abc -> abc:1; 4-grams none.
  const auto o = ngram_matches({0, 1, 0, 1, 2}, {0, 1, 2});
  EXPECT_EQ(o.clipped[0], 3);
  EXPECT_EQ(o.clipped[1], 2);
  EXPECT_EQ(o.clipped[2], 1);
  EXPECT_EQ(o.clipped[3], 0);
  EXPECT_EQ(o.hyp_total[3], 2);
  EXPECT_EQ(o.ref_total[3], 0);
}

TEST(TokenInterner, PerItemIdsStartAtZeroAndRepeatWithinAnItem) {
  TokenInterner in;
  EXPECT_EQ(in.ids({"头痛", "发烧", "头痛"}), (std::vector<uint32_t>{0, 1, 0}));
  in.clear();
  EXPECT_EQ(in.ids({"发烧", "咳嗽", "头痛"}), (std::vector<uint32_t>{0, 1, 2}));
}

}  // namespace
}  // namespace qb
