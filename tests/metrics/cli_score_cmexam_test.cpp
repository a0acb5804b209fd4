// `qilin-bench score --suite cmexam`: extraction from raw outputs, loglik acc/acc_norm,
// breakdown, McNemar compare, and errors naming file and line.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/testing/testing.h"

namespace qb {
namespace {

using testing::qilin_bench;
using testing::run_command;
using testing::TempDir;
using testing::write_fixture;

// Four questions in the official 9-column layout (Options with real newlines), written for
// this test. Ids are the 1-based data row numbers.
const char* kCsv =
    "Question,Options,Answer,Explanation,Disease Group,Area of Competency,Clinical Department,"
    "Medical Discipline,Difficulty level\n"
    "发热首选检查是,\"A 血常规\nB CT\nC 心电图\nD 尿常规\nE 胸片\",A,,感染,,内科,,1\n"
    "高血压一线用药,\"A 利尿剂\nB ACEI\nC 钙拮抗剂\nD 阿司匹林\nE 胰岛素\",ABC,,心血管,,内科,,2\n"
    "肺部阴影应做,\"A 血常规\nB 尿常规\nC CT\nD 便常规\nE 肝功能\",C,,呼吸,,外科,,2\n"
    "心肌梗死看,\"A 血常规\nB 尿常规\nC 胸片\nD 便常规\nE 心电图\",E,,心血管,,内科,,3\n";

testing::CommandResult score(const std::vector<std::string>& args) {
  std::vector<std::string> argv{qilin_bench().string(), "score", "--suite", "cmexam"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv);
}

TEST(CliScoreCmexam, GenerateModeExtractsAndBreaksDown) {
  TempDir dir;
  const auto csv = write_fixture(dir / "q.csv", kCsv);
  const auto pred = write_fixture(dir / "p.jsonl",
                                  "{\"id\": \"1\", \"output\": \"答案是A\"}\n"
                                  "{\"id\": \"2\", \"output\": \"A、B、C\"}\n"
                                  "{\"id\": \"3\", \"output\": \"CT检查可见阴影\"}\n"  // no answer: failure
                                  "{\"id\": 4, \"output\": \"The answer is E\"}\n");
  auto r = score({"--predictions", pred.string(), "--data", csv.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["mode"], "generate");
  EXPECT_EQ(j["n"], 4);
  EXPECT_EQ(j["metrics"]["acc"]["correct"], 3);
  EXPECT_DOUBLE_EQ(j["metrics"]["acc"]["value"].get<double>(), 75.0);
  EXPECT_EQ(j["extraction"]["failed"], 1);
  EXPECT_EQ(j["n_multi_answer"], 1);
  EXPECT_EQ(j["breakdown"]["Clinical Department"]["外科"]["correct"], 0);
  EXPECT_EQ(j["breakdown"]["Disease Group"]["心血管"]["correct"], 2);
  EXPECT_EQ(j["breakdown"]["Difficulty level"]["2"]["n"], 2);

  const auto other = write_fixture(dir / "o.jsonl",
                                   "{\"id\": \"4\", \"output\": \"E\"}\n{\"id\": \"3\", \"output\": \"C\"}\n"
                                   "{\"id\": \"2\", \"output\": \"ABC\"}\n{\"id\": \"1\", \"output\": \"A\"}\n");
  r = score({"--predictions", pred.string(), "--data", csv.string(), "--compare", other.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto c = nlohmann::json::parse(r.out)["compare"];
  EXPECT_EQ(c["test"], "mcnemar-exact");
  EXPECT_EQ(c["b_only_correct"], 1);
  EXPECT_EQ(c["a_only_correct"], 0);
  EXPECT_DOUBLE_EQ(c["p_value"].get<double>(), 1.0);
}

TEST(CliScoreCmexam, LoglikModeGivesAccAndAccNorm) {
  TempDir dir;
  const auto csv = write_fixture(dir / "q.csv", kCsv);
  // Question 1: A "血常规" (3 chars) -6 -> -2/char; B "CT" (1 token, 2 chars) -5 -> -2.5/char.
  const auto pred = write_fixture(dir / "p.jsonl",
                                  "{\"id\": \"1\", \"logprobs\": {\"A\": -6, \"B\": -5, \"C\": -9, \"D\": -9, \"E\": -9}}\n"
                                  "{\"id\": \"2\", \"choice\": \"CBA\"}\n"
                                  "{\"id\": \"3\", \"choice\": \"C\"}\n"
                                  "{\"id\": \"4\", \"choice\": \"A\"}\n");
  auto r = score({"--predictions", pred.string(), "--data", csv.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["mode"], "loglik");
  EXPECT_EQ(j["metrics"]["acc"]["correct"], 2);      // 1 picks B (wrong), 2 and 3 right
  EXPECT_EQ(j["metrics"]["acc_norm"]["correct"], 1);  // only item 1 has log-probabilities: A right
  EXPECT_EQ(j["metrics"]["acc_norm"]["n"], 1);
}

TEST(CliScoreCmexam, ErrorsNameFileLineAndProblem) {
  TempDir dir;
  const auto csv = write_fixture(dir / "q.csv", kCsv);
  struct Case {
    std::string content, problem;
  } cases[] = {
      {"{\"id\": \"9\", \"output\": \"A\"}\n", ": line 1: id '9' is not a question of " + csv.string()},
      {"{\"id\": \"1\", \"output\": \"A\"}\n", ": 3 of the 4 questions of " + csv.string() + " have no prediction"},
      {"{\"id\": \"1\", \"output\": \"A\"}\n{\"id\": \"1\", \"output\": \"B\"}\n",
       ": line 2: item '1': id appears twice"},
      {"{\"id\": \"1\", \"text\": \"A\"}\n", ": line 1: record has none of 'output', 'choice', 'logprobs'"},
      {"{\"id\": \"1\", \"choice\": \"F\"}\n", ": line 1: choice 'F' names no option of question '1'"},
  };
  int k = 0;
  for (const auto& c : cases) {
    const auto f = write_fixture(dir / ("bad" + std::to_string(k++) + ".jsonl"), c.content);
    auto r = score({"--predictions", f.string(), "--data", csv.string()});
    EXPECT_EQ(r.exit_code, 2) << c.problem;
    EXPECT_EQ(r.err, "qilin-bench: error: " + f.string() + c.problem + "\n");
  }
  auto r = score({"--predictions", (dir / "bad0.jsonl").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "qilin-bench: error: --data: missing: --suite cmexam needs --data CMEXAM.csv\n");
}

}  // namespace
}  // namespace qb
