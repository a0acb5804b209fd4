// qilin-bench is two binaries: the light one (no libtorch) runs score/segment/report/data/launch
// and hands run/train/eval/model to qilin-bench-torch with argv unchanged (harness/torch_exec.h).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "tests/testing/testing.h"

namespace qb {
namespace {

using testing::qilin_bench;
using testing::run_command;

std::string torch_bench() { return (qilin_bench().parent_path() / "qilin-bench-torch").string(); }

TEST(LightBinary, LinksNoLibtorch) {
  auto light = run_command({"ldd", qilin_bench().string()});
  ASSERT_EQ(light.exit_code, 0) << light.err;
  EXPECT_EQ(light.out.find("libtorch"), std::string::npos) << light.out;
  EXPECT_EQ(light.out.find("libc10"), std::string::npos) << light.out;
  auto heavy = run_command({"ldd", torch_bench()});
  ASSERT_EQ(heavy.exit_code, 0) << heavy.err;
  EXPECT_NE(heavy.out.find("libtorch"), std::string::npos) << "the ldd check would not see libtorch";
}

TEST(LightBinary, HelpEqualsTheTorchBinarysHelpAndListsEverySubcommand) {
  auto light = run_command({qilin_bench().string(), "--help"});
  auto heavy = run_command({torch_bench(), "--help"});
  ASSERT_EQ(light.exit_code, 0) << light.err;
  EXPECT_EQ(light.out, heavy.out);
  for (const char* sub : {"run", "train", "eval", "score", "segment", "gate", "report", "data", "model", "launch"})
    EXPECT_NE(light.out.find(std::string("\n  ") + sub + " "), std::string::npos) << sub << "\n" << light.out;
}

TEST(LightBinary, UsageErrorsAreTheTorchBinarys) {
  for (std::vector<std::string> args : {std::vector<std::string>{"bogus"}, {}, {"--threads", "0", "score"},
                                        {"score", "--suite", "nope", "--predictions", "x"}}) {
    std::vector<std::string> a{qilin_bench().string()}, b{torch_bench()};
    a.insert(a.end(), args.begin(), args.end());
    b.insert(b.end(), args.begin(), args.end());
    auto light = run_command(a), heavy = run_command(b);
    EXPECT_EQ(light.exit_code, 2);
    EXPECT_EQ(light.exit_code, heavy.exit_code);
    EXPECT_EQ(light.err, heavy.err);
  }
}

TEST(LightBinary, TrainRunsInTheTorchBinaryWithItsExitCodeAndMessage) {
  auto r = run_command({qilin_bench().string(), "-j", "1", "train", "--stage", "sft", "--config", "/nonexistent/train.json"});
  auto direct = run_command({torch_bench(), "-j", "1", "train", "--stage", "sft", "--config", "/nonexistent/train.json"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.err, direct.err);
  EXPECT_NE(r.err.find("/nonexistent/train.json"), std::string::npos) << r.err;
}

TEST(LightBinary, PassesArgvEnvironmentAndExitCodeThrough) {
  testing::TempDir dir;
  // A stand-in torch binary that records what it was given and exits 7.
  const auto fake = testing::write_fixture(
      dir / "fake-torch",
      "#!/bin/sh\necho \"$0|$*|${OMP_WAIT_POLICY-unset}|${GOMP_SPINCOUNT-unset}\" > \"$(dirname \"$0\")/seen\"\nexit 7\n");
  ASSERT_EQ(chmod(fake.c_str(), 0755), 0);
  auto r = run_command({"env", "-u", "OMP_WAIT_POLICY", "-u", "GOMP_SPINCOUNT", "QILIN_TORCH_BINARY=" + fake.string(),
                        qilin_bench().string(), "--threads", "2", "model", "describe", "--checkpoint", "x y"});
  EXPECT_EQ(r.exit_code, 7) << r.err;
  auto seen = run_command({"cat", (dir / "seen").string()});
  EXPECT_EQ(seen.out, fake.string() + "|--threads 2 model describe --checkpoint x y|PASSIVE|10000\n");
  // A user's own OMP_WAIT_POLICY is kept, and no spin count is added to it.
  r = run_command({"env", "-u", "GOMP_SPINCOUNT", "OMP_WAIT_POLICY=ACTIVE", "QILIN_TORCH_BINARY=" + fake.string(),
                   qilin_bench().string(), "model"});
  EXPECT_EQ(r.exit_code, 7);
  seen = run_command({"cat", (dir / "seen").string()});
  EXPECT_EQ(seen.out, fake.string() + "|model|ACTIVE|unset\n");
  // Likewise a user's own spin count alone.
  r = run_command({"env", "-u", "OMP_WAIT_POLICY", "GOMP_SPINCOUNT=0", "QILIN_TORCH_BINARY=" + fake.string(),
                   qilin_bench().string(), "model"});
  EXPECT_EQ(r.exit_code, 7);
  seen = run_command({"cat", (dir / "seen").string()});
  EXPECT_EQ(seen.out, fake.string() + "|model|unset|0\n");
}

// `gate` re-scores per-sample logs through the torch-free evaluation core: it must not start the
// torch binary. A stand-in that records being run proves it; the gate's own verdict must come out.
TEST(LightBinary, GateRunsWithoutTheTorchBinary) {
  testing::TempDir dir;
  const auto fake = testing::write_fixture(dir / "fake-torch", "#!/bin/sh\ntouch \"$(dirname \"$0\")/ran\"\nexit 7\n");
  ASSERT_EQ(chmod(fake.c_str(), 0755), 0);
  const auto results = testing::source_dir() / "tests" / "reports" / "fixtures" / "run_demo" / "results.json";
  auto r = run_command({"env", "QILIN_TORCH_BINARY=" + fake.string(), qilin_bench().string(), "gate", "--baseline",
                        results.string(), "--current", results.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("0 regression(s)"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(dir / "ran"));
}

TEST(LightBinary, MissingTorchBinaryIsAClearError) {
  auto r = run_command({"env", "QILIN_TORCH_BINARY=/nonexistent/qilin-bench-torch", qilin_bench().string(), "eval"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "qilin-bench: error: cannot run /nonexistent/qilin-bench-torch (needed for 'eval'): "
                   "No such file or directory\n");
}

}  // namespace
}  // namespace qb
