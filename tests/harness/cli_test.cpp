#include <gtest/gtest.h>

#include "tests/testing/testing.h"

namespace qb {
namespace {

using testing::qilin_bench;
using testing::run_command;

TEST(Cli, VersionPrintsVersionAndCommit) {
  auto r = run_command({qilin_bench().string(), "--version"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("qilin-bench 0.1.0 (commit "), std::string::npos) << r.out;
}

TEST(Cli, EverySubcommandHasHelp) {
  for (std::string sub : {"run", "train", "eval", "score", "segment", "gate", "report", "data",
                          "data inspect", "data demo", "model", "launch"}) {
    std::vector<std::string> argv{qilin_bench().string()};
    for (size_t a = 0, b; a <= sub.size(); a = b + 1) {
      b = sub.find(' ', a);
      if (b == std::string::npos) b = sub.size();
      argv.push_back(sub.substr(a, b - a));
    }
    argv.push_back("--help");
    auto r = run_command(argv);
    EXPECT_EQ(r.exit_code, 0) << sub << ": " << r.err;
    EXPECT_NE(r.out.find("Usage:"), std::string::npos) << sub << ": " << r.out;
  }
}

TEST(Cli, UnknownOptionIsAnErrorWithUsageHint) {
  auto r = run_command({qilin_bench().string(), "run", "all", "--no-such-flag"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--no-such-flag"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--help"), std::string::npos) << r.err;
}

TEST(Cli, MissingSubcommandIsAnError) {
  auto r = run_command({qilin_bench().string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("subcommand"), std::string::npos) << r.err;
}

TEST(Cli, BadThreadCountIsRejected) {
  auto r = run_command({qilin_bench().string(), "--threads", "0", "data", "--help"});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  auto env = run_command({"env", "QILIN_THREADS=abc", qilin_bench().string(), "run", "all", "--print-config"});
  EXPECT_EQ(env.exit_code, 2);
  EXPECT_NE(env.err.find("QILIN_THREADS"), std::string::npos) << env.err;
}

}  // namespace
}  // namespace qb
