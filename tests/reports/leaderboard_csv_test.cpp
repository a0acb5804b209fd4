// leaderboard.csv: RFC 4180 quoting and the exact content for a small hand-written run.
#include <gtest/gtest.h>

#include "reports/csv_writer.h"
#include "reports/leaderboard_csv.h"
#include "tests/testing/testing.h"

namespace qb::reports {
namespace {

using nlohmann::json;

TEST(Csv, FieldQuotingFollowsRfc4180) {
  EXPECT_EQ(csv_field("plain"), "plain");
  EXPECT_EQ(csv_field(""), "");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(csv_field("cr\rhere"), "\"cr\rhere\"");
  EXPECT_EQ(csv_field("感染性疾病 (内科)"), "感染性疾病 (内科)");  // UTF-8 passes through unquoted
  EXPECT_EQ(csv_record({"a", "b,c", ""}), "a,\"b,c\",\r\n");
}

TEST(Csv, NumbersAreShortestRoundTrip) {
  EXPECT_EQ(format_number(38.0), "38");
  EXPECT_EQ(format_number(0.0002), "0.0002");
  EXPECT_EQ(format_number(-0.0), "0");
  EXPECT_EQ(format_number(std::nullopt), "");
  EXPECT_EQ(format_number(tidy_difference(12.55 - 6.81)), "5.74");
}

const char* const kTinyRun = R"({"schema_version": 1, "manifest": {"run_name": "tiny"},
 "models": [
  {"name": "base", "stage": "base", "evaluations": [
    {"suite": "cmexam", "mode": "loglik", "n": 10,
     "metrics": {"acc": {"value": 30, "ci_low": 10.78, "ci_high": 60.32, "signature": "acc|mode:loglik"}}},
    {"suite": "huatuo26m", "mode": "generate", "n": 4, "metrics": {"bleu1": {"value": 6.81}}}]},
  {"name": "sft, \"v2\"", "stage": "sft", "base": "base", "rag": false, "evaluations": [
    {"suite": "cmexam", "mode": "loglik", "n": 10,
     "metrics": {"acc": {"value": 50, "ci_low": 23.66, "ci_high": 76.34}}},
    {"suite": "huatuo26m", "mode": "generate", "n": 4, "metrics": {"bleu1": {"value": 12.55}}}]}],
 "comparisons": [{"baseline": "base", "model": "sft, \"v2\"", "suite": "cmexam", "mode": "loglik",
   "metric": "acc", "n": 10, "delta": 20, "ci_low": -10, "ci_high": 50, "p_value": 0.375,
   "test": "mcnemar-exact", "significant": false}]})";

TEST(LeaderboardCsv, TinyRunIsExact) {
  std::vector<RunResults> runs(1);
  runs[0].label = "tiny";
  runs[0].results = results_from_json(json::parse(kTinyRun), "tiny/results.json");
  const std::string csv = render_leaderboard_csv(build_leaderboard(runs));

  const std::string E = ",,,,,,,,";  // one column group (value, interval, delta, delta interval, p, verdict) left empty
  const std::string paper = "published,Qilin-Med paper (arXiv 2310.09089),";
  const std::string expected =
      "source,run,model,stage,rag,base,"
      "cmexam/loglik/acc,cmexam/loglik/acc:ci_low,cmexam/loglik/acc:ci_high,cmexam/loglik/acc:delta,"
      "cmexam/loglik/acc:delta_ci_low,cmexam/loglik/acc:delta_ci_high,cmexam/loglik/acc:p_value,"
      "cmexam/loglik/acc:significant,"
      "cmexam/generate/acc,cmexam/generate/acc:ci_low,cmexam/generate/acc:ci_high,cmexam/generate/acc:delta,"
      "cmexam/generate/acc:delta_ci_low,cmexam/generate/acc:delta_ci_high,cmexam/generate/acc:p_value,"
      "cmexam/generate/acc:significant,"
      "huatuo26m/generate/bleu1,huatuo26m/generate/bleu1:ci_low,huatuo26m/generate/bleu1:ci_high,"
      "huatuo26m/generate/bleu1:delta,huatuo26m/generate/bleu1:delta_ci_low,huatuo26m/generate/bleu1:delta_ci_high,"
      "huatuo26m/generate/bleu1:p_value,huatuo26m/generate/bleu1:significant,"
      "huatuo26m/generate/rouge1,huatuo26m/generate/rouge1:ci_low,huatuo26m/generate/rouge1:ci_high,"
      "huatuo26m/generate/rouge1:delta,huatuo26m/generate/rouge1:delta_ci_low,"
      "huatuo26m/generate/rouge1:delta_ci_high,huatuo26m/generate/rouge1:p_value,"
      "huatuo26m/generate/rouge1:significant\r\n" +
      paper + "Baichuan-7B,base,false," + E + ",33.5,,,,,,," + E + E + "\r\n" +
      paper + "Qilin-Med DCPT,dcpt,false,Baichuan-7B" + E + ",38.4,,,4.9,,,," + E + E + "\r\n" +
      paper + "Qilin-Med SFT,sft,false,Baichuan-7B" + E + ",40,,,6.5,,,," + ",12.69,,,,,,," + ",24.21,,,,,,," + "\r\n" +
      paper + "Qilin-Med DPO,dpo,false,Baichuan-7B" + E + E + ",16.66,,,,,,," + ",27.44,,,,,,," + "\r\n" +
      paper + "Qilin-Med-RAG,rag,true,Baichuan-7B" + E + ",42.8,,,9.3,,,," + E + E + "\r\n" +
      "measured,tiny,base,base,false," + ",30,10.78,60.32,,,,," + E + ",6.81,,,,,,," + E + "\r\n" +
      "measured,tiny,\"sft, \"\"v2\"\"\",sft,false,base" + ",50,23.66,76.34,20,-10,50,0.375,false" + E +
      ",12.55,,,5.74,,,," + E + "\r\n";
  EXPECT_EQ(csv, expected);
}

TEST(LeaderboardCsv, DemoFixtureRowsAndPairedTests) {
  std::vector<RunResults> runs{load_run(testing::source_dir() / "tests/reports/fixtures/run_demo")};
  EXPECT_EQ(runs[0].label, "demo-2026-11-24");
  Leaderboard board = build_leaderboard(runs);
  ASSERT_EQ(board.rows.size(), 11u);  // 5 published + 6 measured
  ASSERT_EQ(board.columns.size(), 13u);  // CMExam 2 + 2, Huatuo-26M 9
  EXPECT_EQ(board.columns.front().id(), "cmexam/loglik/acc");
  EXPECT_EQ(board.columns.back().id(), "huatuo26m/generate/distinct2");
  const LeaderboardRow& sft = board.rows[7];
  EXPECT_EQ(sft.model, "sft");
  const Cell* acc = board.cell(sft, {"cmexam", "generate", "acc"});
  ASSERT_NE(acc, nullptr);
  EXPECT_DOUBLE_EQ(*acc->value, 36.5);
  EXPECT_DOUBLE_EQ(*acc->delta, 14.5);
  EXPECT_DOUBLE_EQ(*acc->p_value, 0.00137);
  EXPECT_EQ(acc->test, "mcnemar-exact");
  const Cell* bleu2 = board.cell(sft, {"huatuo26m", "generate", "bleu2"});  // no paired test in the fixture
  ASSERT_NE(bleu2, nullptr);
  EXPECT_DOUBLE_EQ(*bleu2->delta, 2.63);  // 6.17 - 3.54
  EXPECT_EQ(bleu2->test, "");
  EXPECT_FALSE(bleu2->p_value.has_value());
}

}  // namespace
}  // namespace qb::reports
