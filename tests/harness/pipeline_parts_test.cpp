#include <gtest/gtest.h>

#include <cmath>

#include "common/error.h"
#include "evals/bm25_retriever.h"
#include "common/json_config.h"
#include "harness/node_cache.h"
#include "harness/pipeline_config.h"
#include "common/progress.h"
#include "tests/testing/testing.h"

namespace qb {
namespace {
using nlohmann::json;

json defaults() {
  return json::parse(R"({"seed": 1, "stages": {"dcpt": {"steps": 100, "lr": 0.001}},
                         "data": {"cmexam_test": null}, "extra": {}})");
}

TEST(JsonConfig, MergesNestedAndKeepsDefaults) {
  json c = merge_config(defaults(), json::parse(R"({"stages": {"dcpt": {"steps": 5}}})"), "c.json");
  EXPECT_EQ(c["stages"]["dcpt"]["steps"], 5);
  EXPECT_DOUBLE_EQ(c["stages"]["dcpt"]["lr"].get<double>(), 0.001);
  EXPECT_EQ(c["seed"], 1);
}

TEST(JsonConfig, UnknownKeyIsAnErrorNamingThePath) {
  try {
    merge_config(defaults(), json::parse(R"({"stages": {"dcpt": {"stpes": 5}}})"), "c.json");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "c.json: key 'stages.dcpt.stpes': unknown setting (known here: lr, steps)");
  }
}

TEST(JsonConfig, TypeMismatchIsAnError) {
  try {
    merge_config(defaults(), json::parse(R"({"seed": "one"})"), "c.json");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "c.json: key 'seed': expected a number like the default (1), got \"one\"");
  }
}

TEST(JsonConfig, NullDefaultsAndFreeFormObjectsAcceptValues) {
  json c = merge_config(defaults(), json::parse(R"({"data": {"cmexam_test": "x.csv"}, "extra": {"k": [1]}})"),
                        "c.json");
  EXPECT_EQ(c["data"]["cmexam_test"], "x.csv");
  EXPECT_EQ(c["extra"]["k"], json::array({1}));
}

TEST(JsonConfig, OverridesParseJsonOrString) {
  json c = defaults();
  apply_override(c, "stages.dcpt.steps=7");
  apply_override(c, "data.cmexam_test=/tmp/a b.csv");
  apply_override(c, "stages.dcpt.lr=3e-4");
  EXPECT_EQ(c["stages"]["dcpt"]["steps"], 7);
  EXPECT_EQ(c["data"]["cmexam_test"], "/tmp/a b.csv");
  EXPECT_DOUBLE_EQ(c["stages"]["dcpt"]["lr"].get<double>(), 3e-4);
  try {
    apply_override(c, "stages.sft.steps=1");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "--set stages.sft.steps=1: key 'stages.sft': unknown setting (known here: dcpt)");
  }
  EXPECT_THROW(apply_override(c, "novalue"), InputError);
}

TEST(JsonConfig, SyntaxErrorNamesLine) {
  testing::TempDir dir;
  auto p = testing::write_fixture(dir / "bad.json", "{\n  \"seed\": 1,\n  \"x\": ]\n}\n");
  try {
    read_json_file(p.string());
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(e.where(), "line 3");
    EXPECT_NE(std::string(e.what()).find("invalid JSON"), std::string::npos);
  }
}

TEST(NodeCache, KeyDeterminesDirectoryAndDoneMarksFinished) {
  testing::TempDir dir;
  NodeCache cache(dir.path());
  auto a = cache.node("train-dcpt", json{{"steps", 5}, {"input", "abc"}});
  auto b = cache.node("train-dcpt", json{{"input", "abc"}, {"steps", 5}});  // key order irrelevant
  auto c = cache.node("train-dcpt", json{{"steps", 6}, {"input", "abc"}});
  EXPECT_EQ(a.dir, b.dir);
  EXPECT_NE(a.dir, c.dir);
  EXPECT_EQ(a.dir.filename().string().rfind("train-dcpt-", 0), 0u);
  EXPECT_FALSE(cache.finished(a).has_value());
  cache.finish(a, json{{"checkpoint", "x"}});
  ASSERT_TRUE(cache.finished(b).has_value());
  EXPECT_EQ((*cache.finished(b))["checkpoint"], "x");
}

// A whitespace tokenizer keeps the expected BM25 arithmetic readable.
class SpaceSegmenter : public Segmenter {
 public:
  std::vector<std::string> segment(std::string_view text) const override {
    std::vector<std::string> out;
    size_t i = 0;
    while (i < text.size()) {
      size_t j = text.find(' ', i);
      if (j == std::string_view::npos) j = text.size();
      if (j > i) out.emplace_back(text.substr(i, j - i));
      i = j + 1;
    }
    return out;
  }
  std::string signature() const override { return "space"; }
};

TEST(Bm25, ScoresMatchOkapiFormula) {
  SpaceSegmenter seg;
  Bm25Retriever r({"感冒 发热 发热 。", "咳嗽 发热", "头痛"}, seg);
  // Punctuation-only tokens are not terms: lengths are 3, 2, 1, mean 2.
  auto hits = r.search("发热 发热 头痛", 3);
  ASSERT_EQ(hits.size(), 3u);
  const double k1 = 1.5, b = 0.75, avg = 2.0, n = 3;
  auto idf = [&](double df) { return std::log((n - df + 0.5) / (df + 0.5) + 1); };
  auto term = [&](double f, double len, double df) {
    return idf(df) * f * (k1 + 1) / (f + k1 * (1 - b + b * len / avg));
  };
  double d0 = term(2, 3, 2), d1 = term(1, 2, 2), d2 = term(1, 1, 1);
  // Expected order by those values.
  std::vector<std::pair<double, size_t>> want = {{d0, 0}, {d1, 1}, {d2, 2}};
  std::sort(want.begin(), want.end(), [](auto& x, auto& y) { return x.first > y.first; });
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(hits[i].index, want[i].second);
    EXPECT_NEAR(hits[i].score, want[i].first, 1e-12);
  }
  EXPECT_EQ(r.search("头痛", 5).size(), 1u);     // zero-score passages are not returned
  EXPECT_TRUE(r.search("无关", 5).empty());
  EXPECT_EQ(r.signature(), "bm25|k1:1.5|b:0.75|tok:space");
}

TEST(Progress, FormatsDurations) {
  EXPECT_EQ(format_duration(42.2), "42s");
  EXPECT_EQ(format_duration(185), "3m05s");
  EXPECT_EQ(format_duration(3720), "1h02m");
}

}  // namespace
}  // namespace qb

namespace qb {
namespace {

// The pipeline's config is typed at load: every mistake is found before anything runs, and the
// message names the source and the key.
std::string config_error(const std::vector<std::string>& sets) {
  try {
    load_pipeline_config("", sets);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(PipelineConfig, DefaultsAreTyped) {
  PipelineConfig c = load_pipeline_config("", {});
  EXPECT_EQ(c.run_name, "demo");
  EXPECT_EQ(c.eval.cmexam_modes, (std::vector<std::string>{"loglik", "generate"}));
  EXPECT_EQ(c.stages.at("sft").stage, TrainStage::kSft);
  EXPECT_EQ(c.stages.at("dpo").template_user_prefix, "<reserved_102>");
  EXPECT_TRUE(c.data.files.empty());  // every role from the demo world
  EXPECT_EQ(c.json, default_pipeline_config());
}

TEST(PipelineConfig, MistakesNameTheKey) {
  EXPECT_EQ(config_error({"eval.batch_size=\"16\""}),
            "--set eval.batch_size=\"16\": key 'eval.batch_size': expected a number like the default (16), got \"16\"");
  EXPECT_EQ(config_error({"eval.cmexam_modes=[\"loglik\",\"gen\"]"}),
            "config: key 'eval.cmexam_modes': must be one of 'loglik', 'generate', got 'gen'");
  EXPECT_EQ(config_error({"data.dcpt=5"}), "config: key 'data.dcpt': has the wrong type: 5");
  EXPECT_EQ(config_error({"eval.batch_size=0"}), "config: key 'eval.batch_size': must be >= 1");
  // Found by fuzz/fuzz_configs under UBSan: a float for an integer key was cast (2.5 -> 2 silently,
  // 2e113 undefined behaviour).
  EXPECT_EQ(config_error({"eval.batch_size=2.5"}), "config: key 'eval.batch_size': must be an integer in range, got 2.5");
  EXPECT_EQ(config_error({"eval.batch_size=2e113"}),
            "config: key 'eval.batch_size': must be an integer in range, got 2e+113");
  // A stage's settings go through the trainer's own parser when the config is read.
  const std::string e = config_error({"stages.sft.lr=-1"});
  EXPECT_NE(e.find("stages.sft"), std::string::npos) << e;
  EXPECT_NE(e.find("'lr'"), std::string::npos) << e;
  EXPECT_NE(config_error({"stages.dpo.lrr=1"}).find("'lrr'"), std::string::npos);
}

}  // namespace
}  // namespace qb
