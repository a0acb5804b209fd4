#include "trainers/external/external_trainer.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <regex>
#include <stdexcept>

#include "common/atomic_file.h"
#include "common/child_process.h"
#include "common/placeholders.h"
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
      t.command = argv_from_json(v, where, key);
    } else if (k == "env") {
      t.env = env_from_json(v, where, key);
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

namespace {
Placeholders stage_placeholders(const StagePlaceholders& p) {
  return {{"base", p.base},         {"adapter", p.adapter}, {"data", p.data},     {"output_dir", p.output_dir},
          {"resume_from", p.resume_from}, {"run_dir", p.run_dir}, {"config", p.config}, {"stage", p.stage}};
}
}  // namespace

std::string fill_placeholders(const std::string& text, const StagePlaceholders& p, const std::string& where) {
  return fill_placeholders(text, stage_placeholders(p), where);
}

json fill_placeholders(const json& j, const StagePlaceholders& p, const std::string& where) {
  return fill_placeholders(j, stage_placeholders(p), where);
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
  ChildCommand child{argv, env, cwd, /*own_process_group=*/false};
  pid_t pid = 0;
  try {
    pid = spawn_child(child, fds[1]);
  } catch (...) {
    ::close(fds[0]), ::close(fds[1]), ::close(log_fd);
    throw;
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
  r.exit_status = exit_status_of(status);
  r.tail.assign(tail.begin(), tail.end());
  return r;
}

}  // namespace qb
