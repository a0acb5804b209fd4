// `qilin-bench data inspect` run as a user runs it: real files (exact JSON fields),
// detection, --format, --lenient, and bad input (exit 2, message naming the line).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/testing/testing.h"

namespace {

using qb::testing::qilin_bench;
using qb::testing::run_command;
using qb::testing::TempDir;
using qb::testing::write_fixture;
using json = nlohmann::json;

json inspect_ok(const std::vector<std::string>& args) {
  std::vector<std::string> argv{qilin_bench().string(), "data", "inspect"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = run_command(argv);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return json::parse(r.out);
}

TEST(DataInspectCli, QilinMedTest10) {
  QILIN_REQUIRE_SHARED(path, "cmexam/qilinmed_test_10.csv");
  json j = inspect_ok({path.string()});
  EXPECT_EQ(j["format"], "cmexam");
  EXPECT_EQ(j["layout"], "cmexam-9col");
  EXPECT_EQ(j["rows"], 9);
  EXPECT_EQ(j["columns"].size(), 9u);
  EXPECT_EQ(j["answer_length_histogram"], json({{"1", 9}}));
  EXPECT_EQ(j["option_count_histogram"], json({{"5", 9}}));
  EXPECT_EQ(j["annotation_value_counts"]["Medical Discipline"], json({{"临床医学", 5}, {"中药学", 3}, {"中西医结合", 1}}));
  EXPECT_EQ(j["annotation_value_counts"]["Difficulty level"], json({{"1", 4}, {"4", 3}, {"3", 2}}));
}

TEST(DataInspectCli, CMExamVal6811StrictFailsLenientCounts) {
  QILIN_REQUIRE_SHARED(path, "cmexam/cmexam_val_6811.csv");
  auto r = run_command({qilin_bench().string(), "data", "inspect", path.string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "qilin-bench: error: " + path.string() +
                       ": line 5358: missing answer (the Answer cell reads 'nan', how pandas writes an empty cell)\n");
  json j = inspect_ok({"--lenient", path.string()});
  EXPECT_EQ(j["layout"], "cmexam-4col");
  EXPECT_EQ(j["rows"], 6810);
  EXPECT_EQ(j["skipped"], 1);
  EXPECT_EQ(j["answer_length_histogram"], json({{"1", 6600}, {"2", 35}, {"3", 96}, {"4", 61}, {"5", 18}}));
  EXPECT_EQ(j["option_count_histogram"], json({{"4", 205}, {"5", 6605}}));
  EXPECT_EQ(j["multi_answer"], 210);
  EXPECT_EQ(j["mean_question_chars"], 30.07);  // Python: mean(len(Question)) over the 6810
  EXPECT_EQ(j["errors"].size(), 1u);
}

TEST(DataInspectCli, HuatuoAndMedicalGptSamples) {
  QILIN_REQUIRE_SHARED(huatuo, "huatuo26m/huatuo26M_test_6000.json");
  QILIN_REQUIRE_SHARED(fever, "medicalgpt/fever.txt");
  QILIN_REQUIRE_SHARED(sft, "medicalgpt/medical_sft_1K_format.jsonl");
  QILIN_REQUIRE_SHARED(dpo, "medicalgpt/dpo_zh_500.jsonl");
  QILIN_REQUIRE_SHARED(rag, "medicalgpt/medical_corpus.txt");
  json j = inspect_ok({huatuo.string()});
  EXPECT_EQ(j["format"], "huatuo");
  EXPECT_EQ(j["rows"], 6000);
  EXPECT_EQ(j["mean_question_chars"], 45.38);  // README: mean question 45 chars, answer 122
  EXPECT_EQ(j["mean_answer_chars"], 122.15);
  j = inspect_ok({fever.string()});
  EXPECT_EQ(j["format"], "dcpt");
  EXPECT_EQ(j["rows"], 985);
  EXPECT_EQ(j["total_chars"], 123575);
  j = inspect_ok({sft.string()});
  EXPECT_EQ(j["format"], "sft");
  EXPECT_EQ(j["rows"], 1000);
  EXPECT_EQ(j["turns_histogram"], json({{"2", 1000}}));
  j = inspect_ok({dpo.string()});
  EXPECT_EQ(j["format"], "dpo");
  EXPECT_EQ(j["rows"], 500);
  EXPECT_EQ(j["prompt_turns_histogram"], json({{"1", 416}, {"2", 84}}));
  j = inspect_ok({rag.string()});
  EXPECT_EQ(j["format"], "rag");
  EXPECT_EQ(j["rows"], 87);
  // Plain text is DCPT unless the user says it is a RAG corpus: then one passage per line.
  j = inspect_ok({"--format", "rag", fever.string()});
  EXPECT_EQ(j["format"], "rag");
  EXPECT_EQ(j["layout"], "rag-lines");
  EXPECT_EQ(j["rows"], 985);
  EXPECT_EQ(j["total_chars"], 123575);
}

TEST(DataInspectCli, BadFileExitsTwoNamingTheLine) {
  TempDir d;
  auto p = write_fixture(d / "bad.csv", "Question,Options,Answer,Explanation\nQ1,A a\\nB b,A,\nQ2,A a\\nB b,F,\n");
  auto r = run_command({qilin_bench().string(), "data", "inspect", p.string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "qilin-bench: error: " + p.string() + ": line 3: answer 'F' names no option (options: A, B)\n");
  r = run_command({qilin_bench().string(), "data", "inspect", "--lenient", p.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  json j = json::parse(r.out);
  EXPECT_EQ(j["rows"], 1);
  EXPECT_EQ(j["skipped"], 1);
  EXPECT_EQ(j["errors"], json::array({p.string() + ": line 3: answer 'F' names no option (options: A, B)"}));
}

TEST(DataInspectCli, UsageErrors) {
  auto r = run_command({qilin_bench().string(), "data", "inspect", "--format", "xml", "f"});
  EXPECT_EQ(r.exit_code, 2);
  r = run_command({qilin_bench().string(), "data", "inspect", "/nonexistent/file.jsonl"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "qilin-bench: error: /nonexistent/file.jsonl: cannot open the file for reading\n");
}

}  // namespace
