// Training progress on stderr: one updating line on a terminal (a real pseudo-terminal here),
// one line per log_every steps otherwise, from rank 0 only under data parallelism.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <pty.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "tests/testing/testing.h"
#include "tests/trainers/train_fixtures.h"

namespace qb {
namespace {

namespace fs = std::filesystem;
using qb::testing::run_command;
using qb::testing::TempDir;
using qb::testing::write_fixture;
namespace fx = qb::testing::train;

void write_world(const TempDir& t) {
  write_fixture(t / "cpt.txt", fx::dcpt_text());
  write_fixture(t / "model.json", fx::tiny_model_config());
  write_fixture(t / "cfg.json", R"({"data": "cpt.txt", "model_config": "model.json", "max_steps": 12,
    "batch_size": 4, "block_size": 16, "log_every": 5, "heldout_fraction": 0.1, "seed": 2})");
}

std::vector<std::string> train_args(const TempDir& t, const std::string& out) {
  return {"--threads", "1", "train", "--stage", "dcpt", "--config", (t / "cfg.json").string(), "--out", (t / out).string()};
}

// A port nobody listens on right now (the kernel picks it).
int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

TEST(TrainProgress, LinesEveryLogEveryStepsWhenNotATerminal) {
  TempDir t;
  write_world(t);
  std::vector<std::string> argv = {qb::testing::qilin_bench().string()};
  auto args = train_args(t, "one");
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = run_command(argv);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Steps 5 and 10 (log_every) and the last one; nothing else, no terminal control codes.
  const std::regex line(R"(dcpt step (\d+)/12 loss [0-9.e+-]+ lr [0-9.e+-]+ grad-norm [0-9.e+-]+ tok/s \d+ ETA \d+s)");
  std::vector<int> steps;
  for (std::sregex_iterator it(r.err.begin(), r.err.end(), line), end; it != end; ++it) steps.push_back(std::stoi((*it)[1]));
  EXPECT_EQ(steps, (std::vector<int>{5, 10, 12})) << r.err;
  EXPECT_EQ(count(r.err, "\n"), 3u) << r.err;
  EXPECT_EQ(r.err.find('\r'), std::string::npos);

  // Under two ranks only rank 0 prints them.
  std::vector<std::string> launch = {qb::testing::qilin_bench().string(), "launch", "--nproc", "2", "--master-port",
                                     std::to_string(free_port()), "--"};
  auto more = train_args(t, "two");
  launch.insert(launch.end(), more.begin(), more.end());
  auto two = run_command(launch);
  ASSERT_EQ(two.exit_code, 0) << two.err;
  EXPECT_EQ(count(two.err, "[rank 0] dcpt step "), 3u) << two.err;
  EXPECT_EQ(count(two.err, "[rank 1]"), 0u) << two.err;
}

TEST(TrainProgress, OneUpdatingLineOnATerminal) {
  TempDir t;
  write_world(t);
  int master = -1;
  pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::vector<std::string> argv = {qb::testing::qilin_bench().string()};
    auto args = train_args(t, "tty");
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> c;
    for (auto& a : argv) c.push_back(a.data());
    c.push_back(nullptr);
    execv(c[0], c.data());
    _exit(127);
  }
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = read(master, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  int status = 0;
  waitpid(pid, &status, 0);
  close(master);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << out;
  // The line is redrawn in place (carriage return + erase line), ends at 12/12 with the loss
  // and throughput, and no per-step log lines are printed.
  EXPECT_NE(out.find("\r\033[Kdcpt"), std::string::npos) << out;
  const std::regex final_line(R"(\r\x1b\[Kdcpt +\[#{28}\] 12/12 \d+s ETA -  loss [0-9.e+-]+  \d+ tok/s\r?\n)");
  EXPECT_TRUE(std::regex_search(out, final_line)) << out;
  EXPECT_EQ(out.find("dcpt step "), std::string::npos) << out;
}

}  // namespace
}  // namespace qb
