// Data-parallel training over c10d/Gloo on loopback: the rank variables are validated; 2 ranks
// end with the same weights as 1 rank with the same global batch (DCPT and token-weighted SFT,
// with gradient accumulation); a killed or stopped rank makes its peer fail with a clear error
// within the timeout; only rank 0 writes; a 2-rank run resumes from its checkpoint exactly.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <thread>

#include "common/atomic_file.h"
#include "common/error.h"
#include "tests/testing/testing.h"
#include "tests/trainers/train_fixtures.h"
#include "trainers/distributed/distributed.h"
#include "trainers/checkpoint/safetensors.h"

namespace qb {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using qb::testing::run_command;
using qb::testing::TempDir;
using qb::testing::write_fixture;
namespace fx = qb::testing::train;

// ---- the rank variables ------------------------------------------------------------------------

DistributedEnv parse(const std::map<std::string, std::string>& vars) {
  return parse_distributed_env([&](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  });
}

std::string parse_error(const std::map<std::string, std::string>& vars) {
  try {
    parse(vars);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

TEST(DistributedEnv, AbsentOrWorldSizeOneIsOneProcess) {
  auto none = parse({});
  EXPECT_FALSE(none.enabled());
  EXPECT_EQ(none.rank, 0);
  EXPECT_EQ(none.world_size, 1);
  auto one = parse({{"RANK", "0"}, {"WORLD_SIZE", "1"}});
  EXPECT_FALSE(one.enabled());
  EXPECT_FALSE(parse({{"WORLD_SIZE", "1"}}).enabled());
}

TEST(DistributedEnv, ReadsTheTorchrunVariables) {
  auto e = parse({{"RANK", "3"}, {"WORLD_SIZE", "4"}, {"MASTER_ADDR", "node07"}, {"MASTER_PORT", "29611"},
                  {"QILIN_DIST_TIMEOUT", "7.5"}});
  EXPECT_TRUE(e.enabled());
  EXPECT_EQ(e.rank, 3);
  EXPECT_EQ(e.world_size, 4);
  EXPECT_EQ(e.master_addr, "node07");
  EXPECT_EQ(e.master_port, 29611);
  EXPECT_EQ(e.timeout_seconds, 7.5);
  auto d = parse({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "127.0.0.1"}});
  EXPECT_EQ(d.master_port, 29500);
  EXPECT_EQ(d.timeout_seconds, 120);
  EXPECT_FALSE(d.launcher_store);
  auto torchrun = parse({{"RANK", "1"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"},
                         {"TORCHELASTIC_USE_AGENT_STORE", "True"}, {"TORCHELASTIC_RESTART_COUNT", "3"}});
  EXPECT_TRUE(torchrun.launcher_store);
  EXPECT_EQ(torchrun.restart_count, 3);
}

TEST(DistributedEnv, BadVariablesNameTheVariableAndTheProblem) {
  EXPECT_EQ(parse_error({{"RANK", "2"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}}),
            "environment: variable RANK: 2 is not below WORLD_SIZE (2); ranks are 0 to WORLD_SIZE-1");
  EXPECT_EQ(parse_error({{"RANK", "0"}, {"WORLD_SIZE", "two"}, {"MASTER_ADDR", "h"}}),
            "environment: variable WORLD_SIZE: 'two' is not a whole number");
  EXPECT_EQ(parse_error({{"RANK", "-1"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}}),
            "environment: variable RANK: '-1' is not a whole number");
  EXPECT_EQ(parse_error({{"RANK", "0"}, {"WORLD_SIZE", "0"}}),
            "environment: variable WORLD_SIZE: '0' is out of range (1 to 65536)");
  EXPECT_EQ(parse_error({{"RANK", "1"}, {"WORLD_SIZE", "2"}}),
            "environment: variable MASTER_ADDR: is unset; with WORLD_SIZE=2 it must name the host of rank 0 "
            "(e.g. 127.0.0.1 on one machine)");
  EXPECT_EQ(parse_error({{"RANK", "1"}}), "environment: variable WORLD_SIZE: is unset while RANK is set; set both or neither");
  EXPECT_EQ(parse_error({{"WORLD_SIZE", "2"}}),
            "environment: variable RANK: is unset while WORLD_SIZE is 2; set both or neither");
  EXPECT_EQ(parse_error({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}, {"MASTER_PORT", "70000"}}),
            "environment: variable MASTER_PORT: '70000' is out of range (1 to 65535)");
  EXPECT_EQ(parse_error({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}, {"QILIN_DIST_TIMEOUT", "0"}}),
            "environment: variable QILIN_DIST_TIMEOUT: '0' is not a positive number of seconds");
}

// ---- helpers for real multi-process runs -------------------------------------------------------

// A port nobody listens on right now (the kernel picks it), so parallel ctest runs don't collide.
int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

std::string bin() { return qb::testing::qilin_bench().string(); }

// `qilin-bench [--threads 1 --quiet] train --stage STAGE --config CFG --out OUT`
std::vector<std::string> train_args(const std::string& stage, const fs::path& cfg, const fs::path& out) {
  return {"--threads", "1", "--quiet", "train", "--stage", stage, "--config", cfg.string(), "--out", out.string()};
}

qb::testing::CommandResult run_one(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {bin()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv);
}

qb::testing::CommandResult run_launch(int nproc, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {bin(), "launch", "--nproc", std::to_string(nproc), "--master-port",
                                   std::to_string(free_port()), "--"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv);
}

// One rank started by hand (no launcher): its own environment, working directory and output files.
struct RankProcess {
  pid_t pid = -1;
  fs::path out_file, err_file;
};

RankProcess start_rank(int rank, int world, int port, const std::vector<std::string>& args, const fs::path& cwd,
                       const fs::path& logs, double timeout_s,
                       const std::vector<std::pair<std::string, std::string>>& extra_env = {}) {
  RankProcess p;
  p.out_file = logs / ("rank" + std::to_string(rank) + ".out");
  p.err_file = logs / ("rank" + std::to_string(rank) + ".err");
  fs::create_directories(cwd);
  p.pid = fork();
  if (p.pid == 0) {
    if (chdir(cwd.c_str()) != 0) _exit(126);
    setenv("RANK", std::to_string(rank).c_str(), 1);
    setenv("WORLD_SIZE", std::to_string(world).c_str(), 1);
    setenv("MASTER_ADDR", "127.0.0.1", 1);
    setenv("MASTER_PORT", std::to_string(port).c_str(), 1);
    setenv("QILIN_DIST_TIMEOUT", std::to_string(timeout_s).c_str(), 1);
    for (const auto& [k, v] : extra_env) setenv(k.c_str(), v.c_str(), 1);
    if (!freopen(p.out_file.c_str(), "w", stdout) || !freopen(p.err_file.c_str(), "w", stderr)) _exit(126);
    std::vector<std::string> argv = {bin()};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> c;
    for (auto& a : argv) c.push_back(a.data());
    c.push_back(nullptr);
    execv(c[0], c.data());
    _exit(127);
  }
  return p;
}

// Waits for the process; returns its wait status, or nullopt when it is still running after `limit`.
std::optional<int> wait_for(pid_t pid, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return std::nullopt;
}

// Waits until out/latest names a checkpoint of at least `step`; false after 60 s.
bool wait_for_checkpoint(const fs::path& out, int step) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream latest(out / "latest");
    std::string name;
    if (latest >> name && name.size() > 11 && std::stoi(name.substr(11)) >= step) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

// Largest |a - b| over every tensor of two safetensors files with the same names and shapes.
double max_abs_difference(const fs::path& a, const fs::path& b) {
  MappedSafetensors ma(a), mb(b);
  EXPECT_EQ(ma.header().tensors.size(), mb.header().tensors.size());
  double worst = 0;
  for (const auto& [name, info] : ma.header().tensors) {
    EXPECT_TRUE(mb.contains(name)) << name;
    if (!mb.contains(name)) continue;
    auto ta = ma.load(name), tb = mb.load(name);
    EXPECT_EQ(ta.sizes(), tb.sizes()) << name;
    worst = std::max(worst, (ta - tb).abs().max().item<double>());
  }
  return worst;
}

std::vector<json> read_jsonl(const fs::path& file) {
  std::vector<json> out;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
  return out;
}

std::vector<json> step_lines(const fs::path& metrics) {
  std::vector<json> out;
  for (auto& j : read_jsonl(metrics))
    if (j.contains("loss") && !j.contains("eval")) out.push_back(j);
  return out;
}

std::vector<json> eval_lines(const fs::path& metrics) {
  std::vector<json> out;
  for (auto& j : read_jsonl(metrics))
    if (j.contains("eval")) out.push_back(j);
  return out;
}

// The held-out evaluations of a 1-rank and a 2-rank run: same steps, same counts, every number
// within `tol` relative (the 2-rank numbers are sums of the two ranks' shares).
void expect_same_evaluations(const fs::path& one, const fs::path& two, size_t expected_lines, double tol) {
  auto a = eval_lines(one / "metrics.jsonl"), b = eval_lines(two / "metrics.jsonl");
  ASSERT_EQ(a.size(), expected_lines);
  ASSERT_EQ(b.size(), expected_lines);
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i]["step"], b[i]["step"]);
    ASSERT_EQ(a[i]["eval"].size(), b[i]["eval"].size()) << a[i].dump() << "\n" << b[i].dump();
    for (auto it = a[i]["eval"].begin(); it != a[i]["eval"].end(); ++it) {
      const json& other = b[i]["eval"].at(it.key());
      if (it->is_number_integer()) {
        EXPECT_EQ(*it, other) << it.key() << " at step " << a[i]["step"];
      } else {
        const double x = it->get<double>(), y = other.get<double>();
        EXPECT_NEAR(x, y, tol * std::max(1.0, std::abs(x))) << it.key() << " at step " << a[i]["step"];
      }
    }
  }
}

// DPO from a fresh init checkpoint: `pairs` preference pairs (10 % held out), dpo.json.
void write_dpo_world(const TempDir& t, int pairs, int max_steps, int batch_size, int grad_accum, int seed) {
  fx::write_init_checkpoint(t / "init", 4);
  write_fixture(t / "dpo.jsonl", fx::dpo_jsonl(pairs));
  write_fixture(t / "dpo.json", json({{"data", "dpo.jsonl"}, {"init", "init"}, {"max_steps", max_steps},
                                      {"batch_size", batch_size}, {"grad_accum", grad_accum}, {"lr", 0.003},
                                      {"warmup_steps", 0}, {"heldout_fraction", 0.1}, {"max_len", 64},
                                      {"max_prompt_len", 32}, {"seed", seed}})
                                    .dump());
}

// `stage` with `config`, once as one process into t/one and once under `launch --nproc 2` into t/two.
void run_one_and_two(const TempDir& t, const std::string& stage, const fs::path& config) {
  auto one = run_one(train_args(stage, config, t / "one"));
  ASSERT_EQ(one.exit_code, 0) << one.err;
  auto two = run_launch(2, train_args(stage, config, t / "two"));
  ASSERT_EQ(two.exit_code, 0) << two.err;
}

// SFT dialogues whose answers repeat 1-4 times, so the ranks' slices hold very different
// numbers of scored tokens: a plain mean of per-rank means would not equal the global mean.
std::string uneven_sft_jsonl(int n) {
  const char* diseases[] = {"感冒", "胃炎", "肺炎", "贫血", "失眠", "头痛"};
  const char* cures[] = {"多喝水休息", "少吃辛辣", "按时服药", "补充铁剂", "睡前放松", "减少熬夜"};
  std::string s;
  for (int i = 0; i < n; ++i) {
    std::string answer;
    for (int r = 0; r <= (i * 7) % 4; ++r) answer += std::string("建议") + cures[i % 6] + "。";
    json j = {{"conversations",
               {{{"from", "human"}, {"value", std::string("得了") + diseases[i % 6] + "怎么办？"}},
                {{"from", "gpt"}, {"value", answer}}}}};
    s += j.dump() + "\n";
  }
  return s;
}

void write_dcpt_world(const TempDir& t, int max_steps, int save_every) {
  write_fixture(t / "cpt.txt", fx::dcpt_text());
  write_fixture(t / "model.json", fx::tiny_model_config());
  write_fixture(t / "dcpt.json", json({{"data", "cpt.txt"}, {"model_config", "model.json"}, {"max_steps", max_steps},
                                       {"batch_size", 4}, {"grad_accum", 2}, {"block_size", 16}, {"lr", 0.003},
                                       {"warmup_steps", 3}, {"save_every", save_every}, {"heldout_fraction", 0.1},
                                       {"eval_every", 4}, {"seed", 5}})
                                     .dump());
}

// ---- equivalence with one rank -----------------------------------------------------------------

TEST(DataParallel, DcptTwoRanksMatchOneRankWithGradAccum) {
  TempDir t;
  write_dcpt_world(t, 12, 0);
  auto one = run_one(train_args("dcpt", t / "dcpt.json", t / "one"));
  ASSERT_EQ(one.exit_code, 0) << one.err;
  auto two = run_launch(2, train_args("dcpt", t / "dcpt.json", t / "two"));
  ASSERT_EQ(two.exit_code, 0) << two.err;
  EXPECT_LE(max_abs_difference(t / "one" / "final" / "model.safetensors", t / "two" / "final" / "model.safetensors"),
            1e-5);
  // The logged loss and token counts are the global ones.
  auto a = step_lines(t / "one" / "metrics.jsonl"), b = step_lines(t / "two" / "metrics.jsonl");
  ASSERT_EQ(a.size(), 12u);
  ASSERT_EQ(b.size(), 12u);
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_NEAR(a[i]["loss"].get<double>(), b[i]["loss"].get<double>(), 1e-5) << "step " << i + 1;
    EXPECT_EQ(a[i]["tokens"], b[i]["tokens"]);
    EXPECT_NEAR(a[i]["grad_norm"].get<double>(), b[i]["grad_norm"].get<double>(), 1e-4);
    EXPECT_EQ(b[i]["world_size"], 2);
    EXPECT_FALSE(a[i].contains("world_size"));
  }
  // Only rank 0 printed the summary.
  EXPECT_NE(two.out.find("[rank 0] {"), std::string::npos) << two.out;
  EXPECT_EQ(two.out.find("[rank 1]"), std::string::npos) << two.out;
  // Held-out evaluations at steps 0, 4, 8 and 12, shared by the ranks, equal the 1-rank ones.
  expect_same_evaluations(t / "one", t / "two", 4, 1e-6);
}

TEST(DataParallel, TokenWeightedSftTwoRanksMatchOneRank) {
  TempDir t;
  fx::write_init_checkpoint(t / "init", 2);
  write_fixture(t / "sft.jsonl", uneven_sft_jsonl(24));
  write_fixture(t / "sft.json", json({{"data", "sft.jsonl"}, {"init", "init"}, {"max_steps", 8}, {"batch_size", 4},
                                      {"grad_accum", 2}, {"lr", 0.003}, {"warmup_steps", 0}, {"heldout_fraction", 0.1},
                                      {"max_len", 96}, {"seed", 9}})
                                    .dump());
  ASSERT_NO_FATAL_FAILURE(run_one_and_two(t, "sft", t / "sft.json"));
  EXPECT_LE(max_abs_difference(t / "one" / "final" / "model.safetensors", t / "two" / "final" / "model.safetensors"),
            1e-5);
  auto a = step_lines(t / "one" / "metrics.jsonl"), b = step_lines(t / "two" / "metrics.jsonl");
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_NEAR(a[i]["loss"].get<double>(), b[i]["loss"].get<double>(), 1e-6) << "step " << i + 1;
  expect_same_evaluations(t / "one", t / "two", 2, 1e-6);
}

TEST(DataParallel, DpoTwoRanksMatchOneRank) {
  TempDir t;
  write_dpo_world(t, 20, 5, 4, 2, 11);
  ASSERT_NO_FATAL_FAILURE(run_one_and_two(t, "dpo", t / "dpo.json"));
  EXPECT_LE(max_abs_difference(t / "one" / "final" / "model.safetensors", t / "two" / "final" / "model.safetensors"),
            1e-5);
  auto a = step_lines(t / "one" / "metrics.jsonl"), b = step_lines(t / "two" / "metrics.jsonl");
  ASSERT_EQ(a.size(), 5u);
  ASSERT_EQ(b.size(), 5u);
  for (size_t i = 0; i < a.size(); ++i)
    for (const char* k : {"loss", "rewards/chosen", "rewards/rejected", "rewards/accuracies", "rewards/margins"})
      EXPECT_NEAR(a[i][k].get<double>(), b[i][k].get<double>(), 1e-6) << k << " at step " << i + 1;
  // Before the first update the policy is the reference, and the reference runs on the policy's
  // own batch (each rank's slice), so every reward is exactly 0 at any world size on any CPU:
  // no pair is won by rounding (issue: OPENBLAS_CORETYPE=Haswell once gave 0 and 0.125 here).
  const auto start_one = eval_lines(t / "one" / "metrics.jsonl").front()["eval"];
  const auto start_two = eval_lines(t / "two" / "metrics.jsonl").front()["eval"];
  for (const json* m : std::initializer_list<const json*>{&a[0], &b[0], &start_one, &start_two})
    for (const char* k : {"rewards/chosen", "rewards/rejected", "rewards/accuracies", "rewards/margins"})
      EXPECT_EQ((*m)[k].get<double>(), 0.0) << k << " in " << m->dump();
  // After the updates the rewards are real: DPO moved chosen above rejected.
  EXPECT_GT(a.back()["rewards/margins"].get<double>(), 0.0);
  EXPECT_FALSE(fs::exists(t / "one" / "reference_logps.pt"));  // nothing is precomputed
  expect_same_evaluations(t / "one", t / "two", 2, 1e-6);
}

// One held-out pair: rank 1's share of the evaluation is empty and contributes zeros.
TEST(DataParallel, EvaluationWithAnEmptyShareOnOneRank) {
  TempDir t;
  write_dpo_world(t, 10, 2, 2, 1, 3);
  ASSERT_NO_FATAL_FAILURE(run_one_and_two(t, "dpo", t / "dpo.json"));
  auto a = eval_lines(t / "one" / "metrics.jsonl");
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(a.back()["eval"]["pairs"], 1);
  expect_same_evaluations(t / "one", t / "two", 2, 1e-6);
}

// ---- failures ------------------------------------------------------------------------------------

TEST(DataParallel, BadRankVariablesAndIndivisibleBatchExitTwo) {
  TempDir t;
  write_dcpt_world(t, 2, 0);
  auto r = run_command({"/usr/bin/env", "RANK=2", "WORLD_SIZE=2", "MASTER_ADDR=127.0.0.1", bin(), "--quiet", "train",
                        "--stage", "dcpt", "--config", (t / "dcpt.json").string(), "--out", (t / "o").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("environment: variable RANK: 2 is not below WORLD_SIZE (2)"), std::string::npos) << r.err;
  auto odd = run_launch(3, train_args("dcpt", t / "dcpt.json", t / "o"));
  EXPECT_EQ(odd.exit_code, 2);
  EXPECT_NE(odd.err.find((t / "dcpt.json").string() +
                         ": key 'batch_size': 4 is not divisible by WORLD_SIZE (3): every rank runs an equal slice "
                         "of each micro-batch"),
            std::string::npos)
      << odd.err;
  EXPECT_FALSE(fs::exists(t / "o"));
}

TEST(DataParallel, KilledRankMakesLaunchFailAndItsPeerReportIt) {
  TempDir t;
  write_dcpt_world(t, 100000, 5);
  // By hand: rank 1 SIGKILLed once a checkpoint exists; rank 0 must stop with a clear error.
  const int port = free_port();
  auto args = train_args("dcpt", t / "dcpt.json", t / "out");
  auto r0 = start_rank(0, 2, port, args, t / "cwd", t.path(), 20);
  auto r1 = start_rank(1, 2, port, args, t / "cwd", t.path(), 20);
  ASSERT_TRUE(wait_for_checkpoint(t / "out", 5)) << read_file(r0.err_file);
  kill(r1.pid, SIGKILL);
  const auto killed_at = std::chrono::steady_clock::now();
  auto s1 = wait_for(r1.pid, std::chrono::seconds(5));
  auto s0 = wait_for(r0.pid, std::chrono::seconds(30));
  if (!s0) kill(r0.pid, SIGKILL), waitpid(r0.pid, nullptr, 0);
  ASSERT_TRUE(s1 && WIFSIGNALED(*s1));
  ASSERT_TRUE(s0) << "rank 0 still ran 30 s after its peer was killed";
  EXPECT_LT(std::chrono::steady_clock::now() - killed_at, std::chrono::seconds(21));
  EXPECT_TRUE(WIFEXITED(*s0) && WEXITSTATUS(*s0) == 1);
  const std::string err = read_file(r0.err_file);
  EXPECT_NE(err.find("qilin-bench: error: rank 0 of 2: "), std::string::npos) << err;
  EXPECT_NE(err.find(" failed: "), std::string::npos) << err;
  EXPECT_NE(err.find("(rank 1 exited, was killed, or did not answer within 20 s; QILIN_DIST_TIMEOUT sets the limit)"),
            std::string::npos)
      << err;

  // Under launch: the killed rank is named and launch exits non-zero, promptly.
  pid_t launch = fork();
  if (launch == 0) {
    if (!freopen((t / "launch.out").c_str(), "w", stdout) || !freopen((t / "launch.err").c_str(), "w", stderr))
      _exit(126);
    setenv("QILIN_DIST_TIMEOUT", "20", 1);
    std::vector<std::string> argv = {bin(), "launch", "--nproc", "2", "--master-port", std::to_string(free_port()), "--"};
    auto more = train_args("dcpt", t / "dcpt.json", t / "out2");
    argv.insert(argv.end(), more.begin(), more.end());
    std::vector<char*> c;
    for (auto& a : argv) c.push_back(a.data());
    c.push_back(nullptr);
    execv(c[0], c.data());
    _exit(127);
  }
  ASSERT_TRUE(wait_for_checkpoint(t / "out2", 5));
  // The launcher's children: find rank 1 by its environment.
  pid_t rank1 = -1;
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(e.path() / "stat");
    std::string line;
    std::getline(stat, line);
    const auto close_paren = line.rfind(')');
    if (close_paren == std::string::npos) continue;
    std::istringstream rest(line.substr(close_paren + 2));
    char state;
    pid_t ppid;
    rest >> state >> ppid;
    if (ppid != launch) continue;
    std::istringstream env(read_file(e.path() / "environ"));
    for (std::string var; std::getline(env, var, '\0');)
      if (var == "RANK=1") rank1 = std::stoi(name);
  }
  ASSERT_GT(rank1, 0);
  kill(rank1, SIGKILL);
  auto sl = wait_for(launch, std::chrono::seconds(30));
  if (!sl) kill(launch, SIGKILL), waitpid(launch, nullptr, 0);
  ASSERT_TRUE(sl) << "launch still ran 30 s after rank 1 was killed";
  EXPECT_TRUE(WIFEXITED(*sl) && WEXITSTATUS(*sl) != 0);
  const std::string lerr = read_file(t / "launch.err");
  EXPECT_NE(lerr.find("qilin-bench launch: rank 1 was killed by signal 9 (Killed); stopping the other ranks"),
            std::string::npos)
      << lerr;
}

TEST(DataParallel, StoppedRankMakesItsPeerTimeOut) {
  TempDir t;
  write_dcpt_world(t, 100000, 5);
  const int port = free_port();
  auto args = train_args("dcpt", t / "dcpt.json", t / "out");
  // 5 s: short, yet long enough for both ranks to start on a loaded CI machine.
  auto r0 = start_rank(0, 2, port, args, t / "cwd", t.path(), 5);
  auto r1 = start_rank(1, 2, port, args, t / "cwd", t.path(), 5);
  ASSERT_TRUE(wait_for_checkpoint(t / "out", 5));
  kill(r1.pid, SIGSTOP);  // alive but silent: only the timeout can end rank 0's wait
  const auto stopped_at = std::chrono::steady_clock::now();
  auto s0 = wait_for(r0.pid, std::chrono::seconds(30));
  kill(r1.pid, SIGKILL);
  waitpid(r1.pid, nullptr, 0);
  if (!s0) kill(r0.pid, SIGKILL), waitpid(r0.pid, nullptr, 0);
  ASSERT_TRUE(s0) << "rank 0 hung for 30 s with a 5 s timeout";
  EXPECT_GE(std::chrono::steady_clock::now() - stopped_at, std::chrono::seconds(4));  // it did wait
  EXPECT_LT(std::chrono::steady_clock::now() - stopped_at, std::chrono::seconds(15));
  EXPECT_TRUE(WIFEXITED(*s0) && WEXITSTATUS(*s0) == 1);
  const std::string err = read_file(r0.err_file);
  EXPECT_NE(err.find("qilin-bench: error: rank 0 of 2: "), std::string::npos) << err;
  // Gloo words its timeout by where it fired: "Timed out waiting ... for recv operation" in the
  // waiting op, or "Application timeout caused pair closure" when its pair was closed first
  // (seen once in a CI run).
  EXPECT_TRUE(err.find("Timed out") != std::string::npos || err.find("Application timeout") != std::string::npos)
      << err;
  EXPECT_NE(err.find("did not answer within 5 s"), std::string::npos) << err;
}

// torchrun's agent serves the store on MASTER_PORT itself and tells the workers so
// (TORCHELASTIC_USE_AGENT_STORE=True). torchrun itself fails to start here (SCALING.md), so a
// python3-torch TCPStore plays the agent.
TEST(DataParallel, JoinsALauncherServedStoreAsTorchrunSetsIt) {
  TempDir t;
  write_dcpt_world(t, 4, 0);
  const int port = free_port();
  pid_t agent = fork();
  if (agent == 0) {
    if (!freopen("/dev/null", "w", stdout)) _exit(126);
    const std::string code = "import time, torch.distributed as d\n"
                             "s = d.TCPStore('127.0.0.1', " + std::to_string(port) +
                             ", 3, True, wait_for_workers=False)\ntime.sleep(120)\n";
    execl("/usr/bin/python3", "python3", "-c", code.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  // Wait until the agent's store listens.
  bool listening = false;
  for (int i = 0; i < 600 && !listening; ++i) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(port));
    listening = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    close(fd);
    if (!listening) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(listening) << "the python3-torch store never listened";
  const std::vector<std::pair<std::string, std::string>> torchrun_env = {{"TORCHELASTIC_USE_AGENT_STORE", "True"},
                                                                         {"TORCHELASTIC_RESTART_COUNT", "1"}};
  auto args = train_args("dcpt", t / "dcpt.json", t / "out");
  auto r0 = start_rank(0, 2, port, args, t / "cwd", t.path(), 30, torchrun_env);
  auto r1 = start_rank(1, 2, port, args, t / "cwd", t.path(), 30, torchrun_env);
  auto s0 = wait_for(r0.pid, std::chrono::seconds(60)), s1 = wait_for(r1.pid, std::chrono::seconds(60));
  kill(agent, SIGKILL);
  waitpid(agent, nullptr, 0);
  ASSERT_TRUE(s0 && s1);
  EXPECT_TRUE(WIFEXITED(*s0) && WEXITSTATUS(*s0) == 0) << read_file(r0.err_file);
  EXPECT_TRUE(WIFEXITED(*s1) && WEXITSTATUS(*s1) == 0) << read_file(r1.err_file);
  EXPECT_TRUE(fs::exists(t / "out" / "final" / "model.safetensors"));
}

// ---- writes and resume ---------------------------------------------------------------------------

TEST(DataParallel, OnlyRankZeroWrites) {
  TempDir t;
  write_dcpt_world(t, 6, 3);
  // Each rank runs in its own working directory with a relative --out: whatever rank 1 wrote
  // would land under its own folder.
  const int port = free_port();
  auto args = train_args("dcpt", t / "dcpt.json", "out");
  auto r0 = start_rank(0, 2, port, args, t / "rank0", t.path(), 30);
  auto r1 = start_rank(1, 2, port, args, t / "rank1", t.path(), 30);
  auto s0 = wait_for(r0.pid, std::chrono::seconds(60)), s1 = wait_for(r1.pid, std::chrono::seconds(60));
  ASSERT_TRUE(s0 && s1);
  ASSERT_TRUE(WIFEXITED(*s0) && WEXITSTATUS(*s0) == 0) << read_file(r0.err_file);
  ASSERT_TRUE(WIFEXITED(*s1) && WEXITSTATUS(*s1) == 0) << read_file(r1.err_file);
  EXPECT_TRUE(fs::is_empty(t / "rank1")) << "rank 1 wrote into its working directory";
  EXPECT_EQ(read_file(r1.out_file), "");
  for (const char* f : {"final/model.safetensors", "checkpoint-000003/trainer_state.pt", "checkpoint-000006",
                        "latest", "metrics.jsonl", "summary.json"})
    EXPECT_TRUE(fs::exists(t / "rank0" / "out" / f)) << f;
  EXPECT_EQ(step_lines(t / "rank0" / "out" / "metrics.jsonl").size(), 6u);
  EXPECT_EQ(json::parse(read_file(r0.out_file))["steps"], 6);
}

TEST(DataParallel, ResumeUnderTwoRanksIsExact) {
  TempDir t;
  write_dcpt_world(t, 12, 4);
  auto full = run_launch(2, train_args("dcpt", t / "dcpt.json", t / "out"));
  ASSERT_EQ(full.exit_code, 0) << full.err;
  const std::string final_weights = read_file(t / "out" / "final" / "model.safetensors");
  // Roll the run back to its step-8 checkpoint, as a kill after step 8 would leave it.
  fs::remove_all(t / "out" / "final");
  fs::remove_all(t / "out" / "checkpoint-000012");
  write_file_atomic(t / "out" / "latest", "checkpoint-000008\n");
  auto resumed = run_launch(2, train_args("dcpt", t / "dcpt.json", t / "out"));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.out.find("\"resumed_from\": 8"), std::string::npos) << resumed.out;
  EXPECT_TRUE(read_file(t / "out" / "final" / "model.safetensors") == final_weights);
  EXPECT_EQ(step_lines(t / "out" / "metrics.jsonl").size(), 12u);
  // A 1-rank run of the same global batch agrees.
  auto one = run_one(train_args("dcpt", t / "dcpt.json", t / "one"));
  ASSERT_EQ(one.exit_code, 0) << one.err;
  const fs::path one_final = t / "one" / "final" / "model.safetensors";
  EXPECT_LE(max_abs_difference(one_final, t / "out" / "final" / "model.safetensors"), 1e-5);
  // The data position in a checkpoint is the global one: the 1-rank run's step-8 checkpoint
  // continues under 2 ranks to the same weights.
  fs::copy_file(one_final, t / "one-final.safetensors");
  fs::remove_all(t / "one" / "final");
  fs::remove_all(t / "one" / "checkpoint-000012");
  write_file_atomic(t / "one" / "latest", "checkpoint-000008\n");
  auto widened = run_launch(2, train_args("dcpt", t / "dcpt.json", t / "one"));
  ASSERT_EQ(widened.exit_code, 0) << widened.err;
  EXPECT_NE(widened.out.find("\"resumed_from\": 8"), std::string::npos) << widened.out;
  EXPECT_LE(max_abs_difference(t / "one-final.safetensors", one_final), 1e-5);
}

}  // namespace
}  // namespace qb
