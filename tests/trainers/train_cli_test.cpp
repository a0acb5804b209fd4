// `qilin-bench train` end to end: a run killed with SIGKILL mid-run and resumed ends with
// model.safetensors byte-identical to an uninterrupted run; usage and data errors exit 2.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/atomic_file.h"
#include "tests/testing/testing.h"
#include "tests/trainers/train_fixtures.h"

namespace qb {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using qb::testing::run_command;
using qb::testing::TempDir;
using qb::testing::write_fixture;
namespace fx = qb::testing::train;

std::vector<std::string> train_argv(const fs::path& cfg, const fs::path& out) {
  return {qb::testing::qilin_bench().string(), "--threads", "1", "--quiet", "train", "--stage", "dcpt",
          "--config", cfg.string(), "--out", out.string()};
}

// Starts the command detached from our stdio; returns its pid.
pid_t spawn(const std::vector<std::string>& argv) {
  pid_t pid = fork();
  if (pid == 0) {
    freopen("/dev/null", "w", stdout);
    freopen("/dev/null", "w", stderr);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  return pid;
}

TEST(TrainCli, ResumeAfterSigkillIsBitIdentical) {
  TempDir t;
  write_fixture(t / "cpt.txt", fx::dcpt_text());
  write_fixture(t / "model.json", fx::tiny_model_config());
  // Paths in the config are relative to it. 300 steps of a tiny model: a few seconds.
  write_fixture(t / "cfg.json", R"({"data": "cpt.txt", "model_config": "model.json", "max_steps": 300,
    "batch_size": 4, "block_size": 24, "lr": 0.003, "warmup_steps": 20, "save_every": 10,
    "heldout_fraction": 0.1, "seed": 3})");

  auto full = run_command(train_argv(t / "cfg.json", t / "full"));
  ASSERT_EQ(full.exit_code, 0) << full.err;

  pid_t pid = spawn(train_argv(t / "cfg.json", t / "killed"));
  // Kill as soon as a checkpoint past step 20 is published, well before the end.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  int killed_at = -1;
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream latest(t / "killed" / "latest");
    std::string name;
    if (latest >> name && name.size() > 11 && std::stoi(name.substr(11)) >= 30) {
      killed_at = std::stoi(name.substr(11));
      kill(pid, SIGKILL);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_GE(killed_at, 30) << "the run never published a checkpoint";
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "the run ended before it was killed";
  ASSERT_FALSE(fs::exists(t / "killed" / "final"));

  auto resumed = run_command(train_argv(t / "cfg.json", t / "killed"));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  auto summary = json::parse(resumed.out);
  EXPECT_GE(summary["resumed_from"].get<int>(), killed_at);
  EXPECT_LT(summary["resumed_from"].get<int>(), 300);
  EXPECT_EQ(summary["steps"], 300);
  EXPECT_TRUE(read_file(t / "full" / "final" / "model.safetensors") ==
              read_file(t / "killed" / "final" / "model.safetensors"));
  EXPECT_EQ(read_file(t / "full" / "final" / "tokenizer.json"), read_file(t / "killed" / "final" / "tokenizer.json"));
}

TEST(TrainCli, BadInputExitsTwoNamingTheProblem) {
  TempDir t;
  write_fixture(t / "cfg.json", R"({"batch_size": 2, "momentum": 0.9})");
  auto r = run_command({qb::testing::qilin_bench().string(), "train", "--stage", "sft", "--config",
                        (t / "cfg.json").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find((t / "cfg.json").string() + ": key 'momentum': unknown key"), std::string::npos) << r.err;

  write_fixture(t / "ok.json", "{}");
  r = run_command({qb::testing::qilin_bench().string(), "train", "--stage", "sft", "--config",
                   (t / "ok.json").string(), "--data", "x.jsonl", "--out", (t / "o").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("key 'init': missing: sft starts from a checkpoint"), std::string::npos) << r.err;

  // A dialogue with an unknown role: the reader or the renderer names file and line.
  fx::write_init_checkpoint(t / "init", 1);
  write_fixture(t / "bad.jsonl", fx::sft_jsonl(2) + "{\"conversations\": []}\n");
  r = run_command({qb::testing::qilin_bench().string(), "train", "--stage", "sft", "--data",
                   (t / "bad.jsonl").string(), "--init", (t / "init").string(), "--out", (t / "o").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find((t / "bad.jsonl").string() + ": line 3"), std::string::npos) << r.err;

  r = run_command({qb::testing::qilin_bench().string(), "train", "--stage", "rl"});
  EXPECT_EQ(r.exit_code, 2);
}

}  // namespace
}  // namespace qb
