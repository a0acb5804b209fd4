// `qilin-bench score --suite cmexam` on the real CMExam validation split (../shared/data):
// predictions built from the gold answers so the expected counts are known exactly.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "suites/cmexam_reader.h"
#include "tests/testing/testing.h"

namespace qb {
namespace {

using testing::qilin_bench;
using testing::run_command;
using testing::TempDir;
using testing::write_fixture;

TEST(CmexamRealData, ScoresEveryQuestionOfTheValidationSplit) {
  QILIN_REQUIRE_SHARED(csv, "cmexam/cmexam_val_6811.csv");
  // The split has questions whose Answer cell is 'nan' (pandas' empty cell): the strict default
  // refuses the file naming the line; --lenient-data skips them and reports how many.
  auto strict = run_command({qilin_bench().string(), "score", "--suite", "cmexam", "--predictions",
                             csv.string(), "--data", csv.string()});
  EXPECT_EQ(strict.exit_code, 2);
  EXPECT_NE(strict.err.find(": line 5358: missing answer"), std::string::npos) << strict.err;
  ReadOptions lenient;
  lenient.lenient = true;
  const auto dataset = read_cmexam(csv, lenient);
  const auto& questions = dataset.records;
  ASSERT_GT(dataset.report.records_skipped, 0);
  ASSERT_EQ(questions.size() + static_cast<size_t>(dataset.report.records_skipped), 6811u);
  // Even positions answer correctly behind a cue ("答案：ABD"); odd positions talk about a CT scan,
  // which must be an extraction failure, not the letter C.
  std::ostringstream jsonl;
  long right = 0, multi = 0;
  for (size_t i = 0; i < questions.size(); ++i) {
    const auto& q = questions[i];
    multi += q.answer.size() > 1;
    nlohmann::json rec = {{"id", q.id}};
    if (i % 2 == 0) {
      rec["output"] = "答案：" + q.answer;
      ++right;
    } else {
      rec["output"] = "CT检查提示病变";
    }
    jsonl << rec.dump() << "\n";
  }
  TempDir dir;
  const auto pred = write_fixture(dir / "p.jsonl", jsonl.str());
  auto r = run_command({qilin_bench().string(), "score", "--suite", "cmexam", "--predictions", pred.string(),
                        "--data", csv.string(), "--lenient-data"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  const long n = static_cast<long>(questions.size());
  EXPECT_EQ(j["n"], n);
  EXPECT_EQ(j["data"]["skipped"], dataset.report.records_skipped);
  EXPECT_EQ(j["n_multi_answer"], multi);
  EXPECT_EQ(j["metrics"]["acc"]["correct"], right);
  EXPECT_EQ(j["extraction"]["failed"], n - right);
  EXPECT_DOUBLE_EQ(j["metrics"]["acc"]["value"].get<double>(), 100.0 * right / n);
}

}  // namespace
}  // namespace qb
