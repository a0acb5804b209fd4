#include "trainers/external/external_trainer.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <regex>
#include <stdexcept>

#include "common/atomic_file.h"
#include "common/error.h"

namespace qb {

namespace fs = std::filesystem;
using nlohmann::json;

ExternalTrainer external_trainer_from_json(const json& j, const std::string& where) {
  if (!j.is_object()) throw InputError(where, "key 'trainer'", "must be \"builtin\" or an object with a \"command\"");
  ExternalTrainer t;
  for (const auto& [k, v] : j.items()) {
    const std::string key = "key 'trainer." + k + "'";
    if (k == "command") {
      if (!v.is_array() || v.empty()) throw InputError(where, key, "must be a non-empty list of strings (an argv)");
      for (const auto& a : v) {
        if (!a.is_string()) throw InputError(where, key, "every argument must be a string, got " + a.dump());
        t.command.push_back(a.get<std::string>());
      }
    } else if (k == "env") {
      if (!v.is_object()) throw InputError(where, key, "must be an object of strings");
      for (const auto& [name, value] : v.items()) {
        if (!value.is_string()) throw InputError(where, key, "'" + name + "' must be a string, got " + value.dump());
        t.env[name] = value.get<std::string>();
      }
    } else if (k == "cwd") {
      if (!v.is_string()) throw InputError(where, key, "must be a string");
      t.cwd = v.get<std::string>();
    } else if (k == "config") {
      t.config = v;
    } else if (k == "config_file") {
      if (!v.is_string() || v.get<std::string>().empty() || v.get<std::string>().find('/') != std::string::npos)
        throw InputError(where, key, "must be a plain file name such as config.yaml");
      t.config_file = v.get<std::string>();
    } else {
      throw InputError(where, key, "unknown setting (known: command, env, cwd, config, config_file)");
    }
  }
  if (t.command.empty()) throw InputError(where, "key 'trainer.command'", "missing: the argv that runs the trainer");
  return t;
}

json external_trainer_to_json(const ExternalTrainer& t) {
  return {{"command", t.command}, {"env", t.env}, {"cwd", t.cwd}, {"config", t.config}, {"config_file", t.config_file}};
}

std::string fill_placeholders(const std::string& text, const StagePlaceholders& p, const std::string& where) {
  std::string out;
  for (size_t i = 0; i < text.size();) {
    if (text.compare(i, 2, "{{") == 0 || text.compare(i, 2, "}}") == 0) {
      out += text[i];
      i += 2;
      continue;
    }
    if (text[i] != '{') {
      out += text[i++];
      continue;
    }
    const size_t close = text.find('}', i);
    if (close == std::string::npos) throw InputError(where, "'" + text + "'", "has a '{' without its '}' (write {{ for a brace)");
    const std::string name = text.substr(i + 1, close - i - 1);
    const std::string* value = name == "base"          ? &p.base
                               : name == "adapter"     ? &p.adapter
                               : name == "data"        ? &p.data
                               : name == "output_dir"  ? &p.output_dir
                               : name == "resume_from" ? &p.resume_from
                               : name == "run_dir"     ? &p.run_dir
                               : name == "config"      ? &p.config
                               : name == "stage"       ? &p.stage
                                                       : nullptr;
    if (!value)
      throw InputError(where, "'{" + name + "}'",
                       "is not a placeholder (known: {base}, {adapter}, {data}, {output_dir}, {resume_from}, {run_dir}, "
                       "{config}, {stage}; write {{ for a brace)");
    out += *value;
    i = close + 1;
  }
  return out;
}

json fill_placeholders(const json& j, const StagePlaceholders& p, const std::string& where) {
  if (j.is_string()) return fill_placeholders(j.get<std::string>(), p, where);
  if (j.is_array()) {
    json out = json::array();
    for (const auto& x : j) out.push_back(fill_placeholders(x, p, where));
    return out;
  }
  if (j.is_object()) {
    json out = json::object();
    for (const auto& [k, v] : j.items()) out[k] = fill_placeholders(v, p, where);
    return out;
  }
  return j;
}

std::string newest_hf_checkpoint(const fs::path& output_dir) {
  if (!fs::is_directory(output_dir)) return "";
  static const std::regex re("checkpoint-([0-9]+)");
  long best = -1;
  fs::path best_dir;
  for (const auto& e : fs::directory_iterator(output_dir)) {
    std::smatch m;
    const std::string name = e.path().filename().string();
    if (!e.is_directory() || !std::regex_match(name, m, re)) continue;
    const long step = std::stol(m[1].str());
    if (step > best) best = step, best_dir = e.path();
  }
  return best_dir.string();
}

ExternalRunResult run_external_trainer(const ExternalTrainer& t, const StagePlaceholders& p, const fs::path& log,
                                       const std::function<void(const std::string&)>& on_line) {
  const std::string where = "stages." + p.stage + ".trainer";
  std::vector<std::string> argv;
  for (const auto& a : t.command) argv.push_back(fill_placeholders(a, p, where));
  std::map<std::string, std::string> env;
  for (const auto& [k, v] : t.env) env[k] = fill_placeholders(v, p, where);
  const std::string cwd = t.cwd.empty() ? p.run_dir : fill_placeholders(t.cwd, p, where);
  if (!t.config.is_null()) write_file_atomic(p.config, fill_placeholders(t.config, p, where).dump(2) + "\n");

  fs::create_directories(log.parent_path());
  const int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) throw std::runtime_error("cannot open " + log.string() + ": " + std::strerror(errno));
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    ::close(log_fd);
    throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  }
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]), ::close(fds[1]), ::close(log_fd);
    throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    // The trainer must not outlive a killed pipeline: it gets SIGTERM when this process dies
    // (trainers that start workers, e.g. torchrun, pass it on), and a rerun resumes it.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(fds[1], 1);
    ::dup2(fds[1], 2);
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) {
      std::fprintf(stderr, "qilin-bench: cannot enter %s: %s\n", cwd.c_str(), std::strerror(errno));
      ::_exit(127);
    }
    for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
    ::execvp(cargv[0], cargv.data());
    std::fprintf(stderr, "qilin-bench: cannot run %s: %s\n", cargv[0], std::strerror(errno));
    ::_exit(127);
  }
  ::close(fds[1]);
  ExternalRunResult r;
  r.log = log;
  std::deque<std::string> tail;
  std::string pending;
  char buf[65536];
  auto take_line = [&](std::string line) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (on_line) on_line(line);
    tail.push_back(std::move(line));
    if (tail.size() > 20) tail.pop_front();
  };
  for (;;) {
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    for (ssize_t off = 0; off < n;) {
      const ssize_t w = ::write(log_fd, buf + off, static_cast<size_t>(n - off));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) break;  // a full disk: the trainer's own output is still passed on below
      off += w;
    }
    pending.append(buf, static_cast<size_t>(n));
    // Progress bars redraw with '\r': treat it as a line end too, so the last state is seen.
    size_t start = 0;
    for (size_t i = 0; i < pending.size(); ++i)
      if (pending[i] == '\n' || pending[i] == '\r') {
        if (i > start) take_line(pending.substr(start, i - start));
        start = i + 1;
      }
    pending.erase(0, start);
  }
  if (!pending.empty()) take_line(pending);
  ::close(fds[0]);
  ::close(log_fd);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  r.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
  r.tail.assign(tail.begin(), tail.end());
  return r;
}

}  // namespace qb
