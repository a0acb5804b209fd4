// The Huatuo scorer: whitespace stripping, empty predictions, aggregation, signatures,
// bootstrap determinism, batching, and the paired comparison.
#include <gtest/gtest.h>

#include <cmath>

#include "common/error.h"
#include "metrics/huatuo_scorer.h"
#include "metrics/statistics.h"

namespace qb {
namespace {

HuatuoScoreOptions char_options(int bootstrap = 0) {
  HuatuoScoreOptions o;
  o.metric.segmenter.kind = "char";
  o.bootstrap = bootstrap;
  return o;
}

double value(const nlohmann::json& j, const char* metric) { return j["metrics"][metric]["value"].get<double>(); }

TEST(HuatuoScorer, HandComputedCorpusValues) {
  // Item 1: "我 头痛\t发烧" strips to 我头痛发烧 vs 头痛发烧怎么办; item 2: empty vs 多喝水.
  const auto j = score_huatuo({{"我 头痛\t发烧", "头痛发烧怎么办"}, {"\u3000 ", "多喝水"}}, char_options());
  EXPECT_EQ(j["n"], 2);
  EXPECT_EQ(j["n_empty"], 1);
  EXPECT_DOUBLE_EQ(value(j, "bleu1"), 100 * 0.8 * std::exp(-1.0));
  // ROUGE-1 set: item 1 P = 4/5, R = 4/7; item 2 scores 0 and still counts in the mean.
  const double p = 0.8, r = 4.0 / 7;
  EXPECT_DOUBLE_EQ(value(j, "rouge1"), 100 * (2 * p * r / (p + r + 1e-8)) / 2);
  // GLEU: item 1 tp = 4+3+2+1 = 10, n_all = max(14, 22) = 22; item 2 tp 0, n_all = 6.
  EXPECT_DOUBLE_EQ(value(j, "gleu"), 100.0 * 10 / 28);
  // Distinct over predictions: 5 unigrams all distinct, 4 bigrams all distinct.
  EXPECT_DOUBLE_EQ(value(j, "distinct1"), 100.0);
  EXPECT_EQ(j["metrics"]["distinct2"]["total"], 4);
  EXPECT_EQ(j["metrics"]["bleu1"]["signature"], "bleu1|tok:char|agg:corpus|smooth:none|ws:strip");
  EXPECT_EQ(j["metrics"]["rouge1"]["signature"], "rouge1|tok:char|ngram:set|f:2pr/(p+r+1e-8)|agg:mean|ws:strip");
  EXPECT_TRUE(j["metrics"]["bleu1"]["interval"].is_null());
  EXPECT_TRUE(j["bootstrap"].is_null());
}

TEST(HuatuoScorer, SentenceAggregationUsesNltkSmoothingAndSaysSo) {
  auto o = char_options();
  o.metric.bleu_agg = BleuAggregation::kSentenceMean;
  o.metric.smooth = 2;
  // The char segmenter keeps Latin runs whole, so the pattern abxab vs abcab is spelt in Han.
  const auto j = score_huatuo({{"甲乙丙甲乙", "甲乙丁甲乙"}, {"", "戊"}}, o);
  EXPECT_DOUBLE_EQ(value(j, "bleu4"), 100 * std::pow(0.8 * 0.6 * 0.25 / 3, 0.25) / 2);
  EXPECT_EQ(j["metrics"]["bleu4"]["signature"], "bleu4|tok:char|agg:sentence-mean|smooth:nltk-method2|ws:strip");
  o.metric.smooth = 6;
  EXPECT_THROW(score_huatuo({{"a", "a"}}, o), InputError);
}

TEST(HuatuoScorer, BootstrapIsSeededAndBracketsTheValue) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (int i = 0; i < 50; ++i) pairs.emplace_back("头痛" + std::to_string(i % 7), "头痛发烧" + std::to_string(i % 5));
  const auto a = score_huatuo(pairs, char_options(200));
  const auto b = score_huatuo(pairs, char_options(200));
  EXPECT_EQ(a, b);
  const auto& iv = a["metrics"]["rouge1"]["interval"];
  EXPECT_LE(iv[0].get<double>(), value(a, "rouge1"));
  EXPECT_GE(iv[1].get<double>(), value(a, "rouge1"));
  EXPECT_LT(iv[0].get<double>(), iv[1].get<double>());
  EXPECT_EQ(a["metrics"]["rouge1"]["signature"],
            "rouge1|tok:char|ngram:set|f:2pr/(p+r+1e-8)|agg:mean|ws:strip|boot:200|seed:12345");
  auto other_seed = char_options(200);
  other_seed.seed = 7;
  EXPECT_NE(score_huatuo(pairs, other_seed)["metrics"]["rouge1"]["interval"], iv);
}

// The bootstrap's row sums, split over threads with skipped draws, give exactly the intervals
// of the plain definition: per resample, HuatuoTotals::add of every item with its count.
TEST(HuatuoScorer, BootstrapOnThreadsEqualsPlainResampling) {
  for (bool sentence : {false, true}) {
    auto o = char_options(300);
    if (sentence) {
      o.metric.bleu_agg = BleuAggregation::kSentenceMean;
      o.metric.smooth = 1;
    }
    std::vector<nlohmann::json> results;
    std::vector<HuatuoItemStats> items;
    for (int threads : {1, 2, 3}) {
      o.threads = threads;
      HuatuoScorer s(o);
      for (int i = 0; i < 400; ++i)
        s.add(std::to_string(i), "发烧头痛" + std::to_string(i * 7 % 13) + "咳嗽", "发烧" + std::to_string(i % 11) + "头痛");
      results.push_back(s.result());
      items = s.items();
    }
    BootstrapSampler sampler(o.seed);
    std::vector<uint32_t> counts;
    std::vector<std::vector<double>> samples;
    for (int r = 0; r < 300; ++r) {
      sampler.resample_counts(items.size(), counts);
      HuatuoTotals t;
      for (size_t i = 0; i < items.size(); ++i) t.add(items[i], counts[i]);
      const auto v = huatuo_values(t, o.metric.bleu_agg);
      samples.resize(v.size());
      for (size_t k = 0; k < v.size(); ++k) samples[k].push_back(v[k].second);
    }
    const auto names = huatuo_values(HuatuoTotals{}, o.metric.bleu_agg);
    for (size_t k = 0; k < names.size(); ++k) {
      const Interval iv = percentile_interval_95(samples[k]);
      for (const auto& res : results) {
        const auto& got = res["metrics"][names[k].first]["interval"];
        EXPECT_EQ(got[0].get<double>(), iv.lo) << names[k].first << " sentence " << sentence;
        EXPECT_EQ(got[1].get<double>(), iv.hi) << names[k].first;
      }
    }
    EXPECT_LT(results[0]["metrics"]["bleu1"]["interval"][0].get<double>(),
              results[0]["metrics"]["bleu1"]["interval"][1].get<double>());
  }
}

TEST(HuatuoScorer, BatchesOnThreadsGiveTheSameResultAsOneByOne) {
  HuatuoScorer one(char_options(100)), batched(char_options(100));
  std::vector<HuatuoScorer::Pair> batch;
  for (int i = 0; i < 300; ++i) {
    const std::string p = "发烧" + std::to_string(i * 7 % 13), r = "发烧头痛" + std::to_string(i % 11);
    one.add(std::to_string(i), p, r);
    batch.push_back({std::to_string(i), p, r});
  }
  batched.add_batch(batch, 2);
  EXPECT_EQ(one.result(), batched.result());
}

TEST(HuatuoScorer, IllFormedUtf8AndRepeatedIdsAreErrors) {
  HuatuoScorer s(char_options(10));
  EXPECT_THROW(s.add("1", "\xc3", "x"), InputError);
  s.add("1", "a", "a");
  try {
    s.add("1", "b", "b");
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "<items>: item '1': id appears twice");
  }
}

TEST(HuatuoScorer, PairedBootstrapMatchesItemsById) {
  auto o = char_options(200);
  HuatuoScorer a(o), b(o);
  // b answers better on every item; given in a different order.
  for (int i = 0; i < 40; ++i) a.add(std::to_string(i), "头", "头痛发烧" + std::to_string(i));
  for (int i = 39; i >= 0; --i) b.add(std::to_string(i), "头痛发烧", "头痛发烧" + std::to_string(i));
  const auto j = compare_huatuo(a, b, 200, 1).to_json();
  EXPECT_GT(j["metrics"]["rouge1"]["delta"].get<double>(), 0);
  EXPECT_EQ(j["metrics"]["rouge1"]["p_value"].get<double>(), 0.0);  // b wins in every resample
  EXPECT_DOUBLE_EQ(j["metrics"]["rouge1"]["a"].get<double>(), value(a.result(), "rouge1"));
  HuatuoScorer c(o);
  c.add("0", "x", "y");
  EXPECT_THROW(compare_huatuo(a, c, 10, 1), InputError);
}

}  // namespace
}  // namespace qb
