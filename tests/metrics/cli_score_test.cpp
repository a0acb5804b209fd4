// `qilin-bench score`: output schema, option handling and exact error messages.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/testing/testing.h"

namespace qb {
namespace {

using testing::qilin_bench;
using testing::run_command;
using testing::TempDir;
using testing::write_fixture;

testing::CommandResult score(const std::vector<std::string>& args) {
  std::vector<std::string> argv{qilin_bench().string(), "score"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv);
}

TEST(CliScore, HuatuoPrintsOneJsonObject) {
  TempDir dir;
  const auto f = write_fixture(dir / "p.jsonl",
                               "{\"id\": \"a\", \"prediction\": \"我 头痛发烧\", \"reference\": \"头痛发烧怎么办\"}\n"
                               "{\"id\": \"b\", \"prediction\": null, \"reference\": \"多喝水\"}\n\n");
  auto r = score({"--suite", "huatuo", "--predictions", f.string(), "--segmenter", "char", "--bootstrap", "0"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["n"], 2);
  EXPECT_EQ(j["n_empty"], 1);
  EXPECT_DOUBLE_EQ(j["metrics"]["bleu1"]["value"].get<double>(), 100 * 0.8 * std::exp(-1.0));
  for (const char* m : {"bleu1", "bleu2", "bleu3", "bleu4", "rouge1", "rouge2", "rougeL", "gleu", "distinct1", "distinct2"})
    EXPECT_TRUE(j["metrics"].contains(m)) << m;
}

TEST(CliScore, CompareAddsPairedBootstrap) {
  TempDir dir;
  const auto a = write_fixture(dir / "a.jsonl",
                               "{\"id\": 1, \"prediction\": \"头\", \"reference\": \"头痛\"}\n"
                               "{\"id\": 2, \"prediction\": \"烧\", \"reference\": \"发烧\"}\n");
  const auto b = write_fixture(dir / "b.jsonl",
                               "{\"id\": 2, \"prediction\": \"发烧\", \"reference\": \"发烧\"}\n"
                               "{\"id\": 1, \"prediction\": \"头痛\", \"reference\": \"头痛\"}\n");
  auto r = score({"--suite", "huatuo", "--predictions", a.string(), "--compare", b.string(), "--segmenter",
                  "char", "--bootstrap", "100"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["compare"]["test"], "paired-bootstrap");
  EXPECT_DOUBLE_EQ(j["compare"]["metrics"]["rouge1"]["b"].get<double>(), 100 * 2 / (2 + 1e-8));
  const auto c = write_fixture(dir / "c.jsonl", "{\"id\": 3, \"prediction\": \"x\", \"reference\": \"y\"}\n"
                                                "{\"id\": 1, \"prediction\": \"x\", \"reference\": \"y\"}\n");
  r = score({"--suite", "huatuo", "--predictions", a.string(), "--compare", c.string(), "--segmenter", "char"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "qilin-bench: error: <compare>: item '2': present in the first predictions but not in the second\n");
}

TEST(CliScore, BadInputNamesFileLineAndProblem) {
  TempDir dir;
  struct Case {
    std::string content, problem;
  } cases[] = {
      {"{\"prediction\": \"a\", \"reference\": \"b\"}\n{\"prediction\": \"a\"}\n",
       ": line 2: missing field 'reference'"},
      {"{\"prediction\": 3, \"reference\": \"b\"}\n", ": line 1: field 'prediction' is not a string"},
      {"[1]\n", ": line 1: expected a JSON object"},
      {"{\"prediction\": \"a\", \"reference\": \"b\"}\n\n{\"prediction\": \"a\", \"reference\": \"b\"}\n",
       ": line 2: blank line inside a JSONL file"},
      {"{\"id\": \"x\", \"prediction\": \"a\", \"reference\": \"b\"}\n{\"id\": \"x\", \"prediction\": \"a\", "
       "\"reference\": \"b\"}\n",
       ": line 2: id 'x' already appeared on line 1"},
      {"", ": no records (empty file)"},
  };
  int k = 0;
  for (const auto& c : cases) {
    const auto f = write_fixture(dir / ("bad" + std::to_string(k++) + ".jsonl"), c.content);
    auto r = score({"--suite", "huatuo", "--predictions", f.string(), "--segmenter", "char"});
    EXPECT_EQ(r.exit_code, 2) << c.problem;
    EXPECT_EQ(r.err, "qilin-bench: error: " + f.string() + c.problem + "\n");
  }
  // Invalid UTF-8 inside a JSON string is a JSON syntax error on that line.
  const auto u = write_fixture(dir / "utf8.jsonl", "{\"prediction\": \"\xff\", \"reference\": \"b\"}\n");
  auto r = score({"--suite", "huatuo", "--predictions", u.string(), "--segmenter", "char"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.rfind("qilin-bench: error: " + u.string() + ": line 1: invalid JSON: ", 0), 0u) << r.err;
}

TEST(CliScore, OptionErrors) {
  TempDir dir;
  const auto f = write_fixture(dir / "p.jsonl", "{\"prediction\": \"a\", \"reference\": \"b\"}\n");
  auto r = score({"--suite", "huatuo", "--predictions", f.string(), "--segmenter", "char", "--smooth", "2"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "qilin-bench: error: --smooth: value 2: smoothing applies to --bleu-agg sentence only (corpus "
                   "BLEU is nmt's unsmoothed definition)\n");
  r = score({"--suite", "huatuo", "--predictions", f.string(), "--bleu-agg", "sentence", "--smooth", "6"});
  EXPECT_EQ(r.exit_code, 2);
  r = score({"--suite", "huatuo", "--predictions", (dir / "missing.jsonl").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "qilin-bench: error: " + (dir / "missing.jsonl").string() + ": cannot open file\n");
}

}  // namespace
}  // namespace qb
