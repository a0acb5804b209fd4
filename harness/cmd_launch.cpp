// qilin-bench launch: start N copies of this binary on one machine with the variables
// torchrun and Slurm set (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT), prefix
// every output line with its rank, and stop all ranks as soon as one fails so that a
// crashed rank never leaves the others waiting forever.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "common/error.h"
#include "harness/commands.h"

namespace qb::cli {
namespace {

struct LaunchArgs {
  int nproc = 0;
  int master_port = 29500;
  std::vector<std::string> command;
};

struct Rank {
  pid_t pid = -1;
  int fd[2] = {-1, -1};      // read ends of the child's stdout and stderr
  std::string pending[2];    // bytes after the last newline, per stream
  bool exited = false;
  int status = 0;
};

void emit(int rank, int stream, const std::string& line) {
  std::ostream& os = stream == 0 ? std::cout : std::cerr;
  os << "[rank " << rank << "] " << line << "\n";
  os.flush();
}

std::string describe(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("was killed by signal ") + std::to_string(WTERMSIG(status)) + " (" + strsignal(WTERMSIG(status)) + ")";
  return "ended with raw status " + std::to_string(status);
}

pid_t spawn(const LaunchArgs& a, int rank, int out_fd, int err_fd) {
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error(std::string("launch: fork failed: ") + strerror(errno));
  if (pid > 0) return pid;
  setenv("RANK", std::to_string(rank).c_str(), 1);
  setenv("LOCAL_RANK", std::to_string(rank).c_str(), 1);
  setenv("WORLD_SIZE", std::to_string(a.nproc).c_str(), 1);
  setenv("LOCAL_WORLD_SIZE", std::to_string(a.nproc).c_str(), 1);
  setenv("MASTER_ADDR", "127.0.0.1", 1);
  setenv("MASTER_PORT", std::to_string(a.master_port).c_str(), 1);
  dup2(out_fd, 1);
  dup2(err_fd, 2);
  std::vector<char*> argv;
  std::string self = "qilin-bench";
  argv.push_back(self.data());
  std::vector<std::string> copy = a.command;
  for (auto& s : copy) argv.push_back(s.data());
  argv.push_back(nullptr);
  execv("/proc/self/exe", argv.data());
  std::string msg = std::string("launch: cannot start rank: ") + strerror(errno) + "\n";
  ssize_t ignored = write(2, msg.data(), msg.size());
  (void)ignored;
  _exit(127);
}

int run_launch(const LaunchArgs& a) {
  std::vector<Rank> ranks(a.nproc);
  for (int r = 0; r < a.nproc; ++r) {
    int out[2], err[2];
    if (pipe(out) != 0 || pipe(err) != 0) throw std::runtime_error("launch: pipe failed");
    ranks[r].pid = spawn(a, r, out[1], err[1]);
    close(out[1]);
    close(err[1]);
    ranks[r].fd[0] = out[0];
    ranks[r].fd[1] = err[0];
  }
  int first_failure = -1;
  auto kill_deadline = std::chrono::steady_clock::time_point::max();
  bool killed_hard = false;
  for (;;) {
    std::vector<pollfd> fds;
    std::vector<std::pair<int, int>> owner;
    for (int r = 0; r < a.nproc; ++r)
      for (int s = 0; s < 2; ++s)
        if (ranks[r].fd[s] >= 0) {
          fds.push_back({ranks[r].fd[s], POLLIN, 0});
          owner.push_back({r, s});
        }
    bool all_exited = true;
    for (auto& rk : ranks) all_exited = all_exited && rk.exited;
    if (fds.empty() && all_exited) break;
    poll(fds.data(), fds.size(), 100);
    for (size_t i = 0; i < fds.size(); ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      auto [r, s] = owner[i];
      char buf[4096];
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        if (!ranks[r].pending[s].empty()) emit(r, s, ranks[r].pending[s]);
        ranks[r].pending[s].clear();
        close(ranks[r].fd[s]);
        ranks[r].fd[s] = -1;
        continue;
      }
      std::string& p = ranks[r].pending[s];
      p.append(buf, n);
      for (size_t nl; (nl = p.find('\n')) != std::string::npos; p.erase(0, nl + 1)) emit(r, s, p.substr(0, nl));
    }
    for (int r = 0; r < a.nproc; ++r) {
      if (ranks[r].exited) continue;
      int status = 0;
      if (waitpid(ranks[r].pid, &status, WNOHANG) != ranks[r].pid) continue;
      ranks[r].exited = true;
      ranks[r].status = status;
      bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
      if (!ok && first_failure < 0) {
        first_failure = r;
        std::cerr << "qilin-bench launch: rank " << r << " " << describe(status) << "; stopping the other ranks\n";
        for (auto& other : ranks)
          if (!other.exited) kill(other.pid, SIGTERM);
        kill_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      }
    }
    // A rank that ignores SIGTERM (e.g. blocked in a collective) is killed outright.
    if (!killed_hard && std::chrono::steady_clock::now() > kill_deadline) {
      for (auto& other : ranks)
        if (!other.exited) kill(other.pid, SIGKILL);
      killed_hard = true;
    }
  }
  if (first_failure < 0) return 0;
  int st = ranks[first_failure].status;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

}  // namespace

void add_launch(CLI::App& app) {
  auto args = std::make_shared<LaunchArgs>();
  auto* sub = app.add_subcommand(
      "launch",
      "start N ranks of this binary on one machine with RANK/WORLD_SIZE/LOCAL_RANK/MASTER_ADDR/MASTER_PORT set "
      "(sharded eval, data-parallel train); usage: launch --nproc N [--master-port P] -- SUBCOMMAND ARGS...");
  sub->add_option("--nproc", args->nproc, "number of ranks to start")->required()->check(CLI::Range(1, 256));
  sub->add_option("--master-port", args->master_port, "MASTER_PORT given to the ranks")
      ->check(CLI::Range(1, 65535))
      ->capture_default_str();
  sub->add_option("command", args->command, "the subcommand and its arguments, after --")->required();
  sub->callback([args] {
    int rc = run_launch(*args);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace qb::cli
