#include <gtest/gtest.h>

#include <filesystem>

#include "tests/testing/testing.h"

namespace qb {
namespace {

using testing::qilin_bench;
using testing::run_command;

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

TEST(Launch, StartsEveryRankAndPrefixesItsLines) {
  auto r = run_command({qilin_bench().string(), "launch", "--nproc", "2", "--", "segment", "--help"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(count(r.out, "[rank 0] Usage:"), 1u) << r.out;
  EXPECT_EQ(count(r.out, "[rank 1] Usage:"), 1u) << r.out;
  EXPECT_EQ(count(r.out, "[rank 2]"), 0u) << r.out;
  // Every line is prefixed.
  size_t lines = count(r.out, "\n");
  EXPECT_EQ(count(r.out, "[rank "), lines) << r.out;
}

TEST(Launch, FailingRankMakesLaunchFailWithItsStatus) {
  auto r = run_command({qilin_bench().string(), "launch", "--nproc", "2", "--", "segment", "--no-such-flag"});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.err.find("exited with status 2; stopping the other ranks"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("] qilin-bench: error:"), std::string::npos) << r.err;
}

TEST(Launch, NeedsNprocAndACommand) {
  auto none = run_command({qilin_bench().string(), "launch", "--nproc", "2"});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("command is required"), std::string::npos) << none.err;
  auto zero = run_command({qilin_bench().string(), "launch", "--nproc", "0", "--", "segment", "--help"});
  EXPECT_EQ(zero.exit_code, 2);
  EXPECT_NE(zero.err.find("--nproc"), std::string::npos) << zero.err;
}

TEST(Launch, RunUnderALauncherIsRefusedBeforeWritingAnything) {
  testing::TempDir dir;
  const auto run_dir = dir / "runs";
  auto r = run_command({qilin_bench().string(), "launch", "--nproc", "2", "--", "run", "all", "--run-dir",
                        run_dir.string()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("qilin-bench: error: WORLD_SIZE: 2: `run` is one process"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(run_dir));
  // The same without the launcher; WORLD_SIZE=1 is one process and passes the guard.
  r = run_command({"env", "WORLD_SIZE=2", qilin_bench().string(), "run", "all", "--run-dir", run_dir.string()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("run `qilin-bench run all` once without a launcher"), std::string::npos) << r.err;
  r = run_command({"env", "WORLD_SIZE=1", qilin_bench().string(), "run", "all", "--print-config"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(std::filesystem::exists(run_dir));
}

}  // namespace
}  // namespace qb
