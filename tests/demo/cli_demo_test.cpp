#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "tests/testing/testing.h"

namespace qb {
namespace {

using testing::qilin_bench;
using testing::run_command;

TEST(CliDataDemo, WritesTheWorldAndListsTheFiles) {
  testing::TempDir d;
  auto out = d / "world";
  auto r = run_command({qilin_bench().string(), "data", "demo", "--out", out.string(), "--seed", "7", "--small"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("dcpt.txt\tdcpt\tdcpt\t", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("\nmanifest.json\tmanifest\tmeta\t1 records\t"), std::string::npos) << r.out;
  auto m = nlohmann::json::parse(read_file(out / "manifest.json"));
  EXPECT_EQ(m["seed"], 7);
  EXPECT_EQ(m["sizes"]["dpo_pairs"], 40);
  for (const char* f : {"dcpt.txt", "sft.jsonl", "dpo.jsonl", "cmexam_train.csv", "cmexam_test.csv",
                        "huatuo_test.jsonl", "rag_corpus.txt", "facts.jsonl"})
    EXPECT_TRUE(std::filesystem::exists(out / f)) << f;
  // Same seed again: the same bytes.
  auto again = d / "again";
  ASSERT_EQ(run_command({qilin_bench().string(), "data", "demo", "--out", again.string(), "--seed", "7", "--small"})
                .exit_code, 0);
  EXPECT_EQ(read_file(out / "sft.jsonl"), read_file(again / "sft.jsonl"));
}

TEST(CliDataDemo, MissingOutAndAFileAsOutAreUsageErrors) {
  auto r = run_command({qilin_bench().string(), "data", "demo"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--out"), std::string::npos) << r.err;
  testing::TempDir d;
  auto file = testing::write_fixture(d / "plain.txt", "x");
  auto f = run_command({qilin_bench().string(), "data", "demo", "--out", file.string()});
  EXPECT_EQ(f.exit_code, 2);
  EXPECT_NE(f.err.find(file.string() + ": exists and is not a directory"), std::string::npos) << f.err;
  auto s = run_command({qilin_bench().string(), "data", "demo", "--out", (d / "w").string(), "--seed", "abc"});
  EXPECT_EQ(s.exit_code, 2);
  EXPECT_NE(s.err.find("--seed"), std::string::npos) << s.err;
}

}  // namespace
}  // namespace qb
