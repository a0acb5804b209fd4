// A third suite added in one file pair (toy_suite.h/.cpp), run through the evaluation runner with
// the real local engine, re-scored the way `score` does, compared, and rendered by the report
// writer — with no change to harness/ or evals/.
#include <gtest/gtest.h>

#include "common/atomic_file.h"
#include "common/error.h"
#include "evals/evaluation.h"
#include "evals/results_builder.h"
#include "evals/samples.h"
#include "evals/suite_registry.h"
#include "reports/report_writer.h"
#include "tests/harness/toy_suite.h"
#include "tests/testing/testing.h"
#include "trainers/engine/engine.h"
#include "trainers/model/model_config.h"
#include "trainers/model/model_tools.h"
#include "trainers/tokenizer/char_tokenizer.h"

namespace qb {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

const char kItems[] =
    "{\"id\": \"fr\", \"country\": \"法国\", \"capital\": \"巴黎\"}\n"
    "{\"id\": \"jp\", \"country\": \"日本\", \"capital\": \"东京\"}\n"
    "{\"id\": \"eg\", \"country\": \"埃及\", \"capital\": \"开罗\"}\n"
    "{\"id\": \"pe\", \"country\": \"秘鲁\", \"capital\": \"利马\"}\n";

class ToySuite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // Registered once per process, as a program would at start-up.
    static bool done = false;
    if (!done) register_suite(std::make_unique<testing::CapitalsSuite>(), {"capital"});
    done = true;
  }
  void SetUp() override {
    testing::write_fixture(dir_ / "items.jsonl", kItems);
    CharTokenizer tok = CharTokenizer::train({kItems});
    ModelConfig mc = parse_model_config(
        json{{"architectures", {"LlamaForCausalLM"}}, {"model_type", "llama"}, {"vocab_size", tok.vocab_size()},
             {"hidden_size", 32}, {"intermediate_size", 64}, {"num_hidden_layers", 1},
             {"num_attention_heads", 2}, {"max_position_embeddings", 64}}
            .dump(),
        "test");
    init_random_checkpoint(mc, dir_ / "model", 5, "fp32");
    tok.save(dir_ / "model" / "tokenizer.json");
  }
  EvalSpec spec() const {
    EvalSpec s;
    s.suite = "capital";  // the alias resolves to the suite
    s.options.data = dir_ / "items.jsonl";
    s.chunk_size = 3;
    return s;
  }
  testing::TempDir dir_;
};

TEST_F(ToySuite, RunsThroughEvaluationScoringComparisonAndReports) {
  EXPECT_EQ(canonical_suite_name("capital"), "capitals");
  Engine engine(dir_ / "model");
  EvalResult r = run_evaluation(engine, spec(), dir_ / "eval");
  ASSERT_EQ(r.n, 4);
  // Every row carries the backend's answer under the suite's field and the suite's verdict.
  int correct = 0;
  std::vector<json> rows = read_sample_rows(r.samples);
  ASSERT_EQ(rows.size(), 4u);
  for (const auto& row : rows) {
    EXPECT_TRUE(row.at("answer").is_string());
    EXPECT_EQ(row.at("prompt").get<std::string>().size() > 0, true);
    correct += row.at("correct").get<bool>();
  }
  EXPECT_EQ(r.report.suite, "capitals");
  EXPECT_DOUBLE_EQ(r.report.metrics.at("exact_match").value, 25.0 * correct);
  EXPECT_EQ(json::parse(read_file(dir_ / "eval" / "metrics.json"))["metrics"]["exact_match"]["n"], 4);

  // `score`'s path: predictions written by some other tool, two of four right.
  testing::write_fixture(dir_ / "pred.jsonl",
                         "{\"id\": \"fr\", \"prediction\": \" 巴黎\\n是的\"}\n{\"id\": \"jp\", \"prediction\": \"京都\"}\n"
                         "{\"id\": \"eg\", \"prediction\": \"开罗\"}\n{\"id\": \"pe\", \"prediction\": null}\n");
  SuiteOptions so;
  so.data = dir_ / "items.jsonl";
  auto scored = find_suite("capitals").score_predictions(dir_ / "pred.jsonl", so);
  ScoreReport rep = scored->report();
  EXPECT_DOUBLE_EQ(rep.metrics.at("exact_match").value, 50.0);
  EXPECT_EQ(rep.metrics.at("exact_match").counts.at("correct"), 2);
  // A prediction for an unknown item names the file and line.
  testing::write_fixture(dir_ / "bad.jsonl", "{\"id\": \"fr\", \"prediction\": \"巴黎\"}\n{\"id\": \"xx\", \"prediction\": \"?\"}\n");
  try {
    find_suite("capitals").score_predictions(dir_ / "bad.jsonl", so);
    FAIL() << "an unknown id must be an error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.jsonl: line 2: id 'xx' is not an item of"), std::string::npos) << e.what();
  }

  // Paired comparison of the evaluation against itself: no change, p = 1.
  ComparisonReport c = compare_samples(r.samples, r.samples, "capitals", SuiteOptions{}, 100, 1);
  EXPECT_EQ(c.metrics.at("exact_match").delta, 0.0);
  EXPECT_EQ(c.metrics.at("exact_match").p_value.value_or(-1), 1.0);

  // The report writer renders the new suite's column from the typed report.
  reports::Results res;
  reports::ModelResult m;
  m.name = "toy-model";
  m.stage = "base";
  m.evaluations.push_back(results_evaluation(r.report, r.samples, dir_.path()));
  res.models.push_back(m);
  auto written = reports::write_reports({reports::RunResults{"toy", dir_.path(), res}}, dir_ / "report");
  const std::string csv = read_file(written.csv);
  EXPECT_NE(csv.find("capitals"), std::string::npos) << csv;
  EXPECT_NE(csv.find("exact_match"), std::string::npos) << csv;
  EXPECT_NE(read_file(written.html).find("exact_match"), std::string::npos);
}

TEST_F(ToySuite, UnknownSuiteNamesTheKnownOnes) {
  try {
    find_suite("medqa");
    FAIL();
  } catch (const InputError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("'medqa'"), std::string::npos) << what;
    EXPECT_NE(what.find("cmexam, huatuo26m (huatuo), capitals (capital)"), std::string::npos) << what;
  }
}

}  // namespace
}  // namespace qb
