#include "common/child_process.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "common/error.h"

namespace qb {

std::vector<std::string> argv_from_json(const nlohmann::json& v, const std::string& where, const std::string& key) {
  if (!v.is_array() || v.empty()) throw InputError(where, key, "must be a non-empty list of strings (an argv)");
  std::vector<std::string> argv;
  for (const auto& a : v) {
    if (!a.is_string()) throw InputError(where, key, "every argument must be a string, got " + a.dump());
    argv.push_back(a.get<std::string>());
  }
  return argv;
}

std::map<std::string, std::string> env_from_json(const nlohmann::json& v, const std::string& where,
                                                 const std::string& key) {
  if (!v.is_object()) throw InputError(where, key, "must be an object of strings");
  std::map<std::string, std::string> env;
  for (const auto& [name, value] : v.items()) {
    if (!value.is_string()) throw InputError(where, key, "'" + name + "' must be a string, got " + value.dump());
    env[name] = value.get<std::string>();
  }
  return env;
}

pid_t spawn_child(const ChildCommand& c, int out_fd) {
  // Everything the child needs is prepared before fork: after it only async-signal-safe calls.
  std::vector<std::string> argv = c.argv;
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid > 0) return pid;
  if (c.own_process_group) ::setpgid(0, 0);
  // The child must not outlive a killed pipeline: it gets SIGTERM when this process dies
  // (commands that start workers, e.g. torchrun, pass it on).
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (::getppid() != parent) ::_exit(127);
  ::dup2(out_fd, 1);
  ::dup2(out_fd, 2);
  if (!c.cwd.empty() && ::chdir(c.cwd.c_str()) != 0) {
    std::fprintf(stderr, "qilin-bench: cannot enter %s: %s\n", c.cwd.c_str(), std::strerror(errno));
    ::_exit(127);
  }
  for (const auto& [k, v] : c.env) ::setenv(k.c_str(), v.c_str(), 1);
  ::execvp(cargv[0], cargv.data());
  std::fprintf(stderr, "qilin-bench: cannot run %s: %s\n", cargv[0], std::strerror(errno));
  ::_exit(127);
}

int exit_status_of(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
}

int stop_child_group(pid_t pid, double grace_s) {
  int status = 0;
  ::kill(-pid, SIGTERM);
  ::kill(pid, SIGTERM);  // in case it has not made its group yet
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(grace_s);
  for (;;) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) return 1;
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(-pid, SIGKILL);
      ::kill(pid, SIGKILL);
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(-pid, SIGKILL);  // workers the leader left behind
  return exit_status_of(status);
}

}  // namespace qb
