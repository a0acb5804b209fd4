#include "backends/model_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <fstream>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include "backends/http_client.h"
#include "common/child_process.h"
#include "common/error.h"
#include "common/json_integer.h"
#include "common/placeholders.h"

namespace qb {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

Placeholders serve_placeholders(const ServePlaceholders& p, const std::string& port) {
  return {{"checkpoint", p.checkpoint}, {"adapter", p.adapter}, {"port", port}, {"name", p.name}, {"run_dir", p.run_dir}};
}

// A port nobody listens on now. Another process may take it before the server binds it: the
// server then exits at start, and the error says so with its log.
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    const std::string why = std::strerror(errno);
    ::close(fd);
    throw std::runtime_error("cannot find a free port: " + why);
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

std::string log_tail(const fs::path& log, size_t lines) {
  std::ifstream in(log);
  std::deque<std::string> tail;
  std::string line;
  while (std::getline(in, line)) {
    tail.push_back(line);
    if (tail.size() > lines) tail.pop_front();
  }
  std::string out;
  for (const auto& l : tail) out += "\n  " + l;
  return out;
}

}  // namespace

ServeCommand serve_command_from_json(const json& j, const std::string& where) {
  if (!j.is_object()) throw InputError(where, "key 'eval.serve'", "must be null or an object with a \"command\"");
  ServeCommand s;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    const json& v = it.value();
    const std::string key = "key 'eval.serve." + k + "'";
    auto number = [&](double& out, double min) {
      if (!v.is_number() || v.get<double>() < min)
        throw InputError(where, key, fmt::format("must be a number >= {}, got {}", min, v.dump()));
      out = v.get<double>();
    };
    if (k == "command") {
      s.command = argv_from_json(v, where, key);
    } else if (k == "env") {
      s.env = env_from_json(v, where, key);
    } else if (k == "cwd" || k == "served_model") {
      if (!v.is_string()) throw InputError(where, key, "must be a string, got " + v.dump());
      (k == "cwd" ? s.cwd : s.served_model) = v.get<std::string>();
    } else if (k == "tokenizer") {
      if (!v.is_string() || (v != "none" && v != "server"))
        throw InputError(where, key, "must be \"none\" (prompts as text) or \"server\" (its /tokenize), got " + v.dump());
      s.tokenizer = v.get<std::string>();
    } else if (k == "chat") {
      if (!v.is_boolean()) throw InputError(where, key, "must be true or false, got " + v.dump());
      s.chat = v.get<bool>();
    } else if (k == "concurrency") {
      if (!v.is_number_integer() || !json_value_fits<int>(v) || v.get<int>() < 1)
        throw InputError(where, key, "must be an integer >= 1, got " + v.dump());
      s.concurrency = v.get<int>();
    } else if (k == "startup_timeout_s") {
      number(s.startup_timeout_s, 1);
    } else if (k == "stop_timeout_s") {
      number(s.stop_timeout_s, 0);
    } else if (k == "request_timeout_s") {
      number(s.request_timeout_s, 1);
    } else {
      throw InputError(where, key,
                       "unknown setting (known: command, env, cwd, served_model, startup_timeout_s, stop_timeout_s, "
                       "chat, concurrency, tokenizer, request_timeout_s)");
    }
  }
  if (s.command.empty()) throw InputError(where, "key 'eval.serve.command'", "missing: the argv that starts the server");
  // Unknown placeholders fail now, before anything runs.
  const Placeholders probe = serve_placeholders({}, "0");
  for (const auto& a : s.command) fill_placeholders(a, probe, where + ": eval.serve.command");
  for (const auto& [name, value] : s.env) fill_placeholders(value, probe, where + ": eval.serve.env");
  fill_placeholders(s.cwd, probe, where + ": eval.serve.cwd");
  return s;
}

bool serve_command_uses(const ServeCommand& s, const std::string& placeholder) {
  auto in = [&](const std::string& t) { return t.find(placeholder) != std::string::npos; };
  for (const auto& a : s.command)
    if (in(a)) return true;
  for (const auto& [k, v] : s.env)
    if (in(v)) return true;
  return in(s.cwd);
}

json serve_command_to_json(const ServeCommand& s) {
  return {{"command", s.command},
          {"env", s.env},
          {"cwd", s.cwd},
          {"served_model", s.served_model},
          {"chat", s.chat},
          {"tokenizer", s.tokenizer}};
}

ModelServer::ModelServer(const ServeCommand& s, const ServePlaceholders& p, const fs::path& log, const std::string& what)
    : settings_(s), log_(log), what_(what) {
  const std::string port = std::to_string(free_port());
  const std::string where = "eval.serve";
  const Placeholders values = serve_placeholders(p, port);
  ChildCommand c;
  for (const auto& a : s.command) c.argv.push_back(fill_placeholders(a, values, where));
  for (const auto& [k, v] : s.env) c.env[k] = fill_placeholders(v, values, where);
  c.cwd = s.cwd.empty() ? p.run_dir : fill_placeholders(s.cwd, values, where);
  c.own_process_group = true;
  argv_ = c.argv;
  base_url_ = "http://127.0.0.1:" + port;

  fs::create_directories(log.parent_path());
  const int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) throw std::runtime_error("cannot open " + log.string() + ": " + std::strerror(errno));
  {
    std::string line = "qilin-bench: starting";
    for (const auto& a : argv_) line += " " + a;
    line += "\n";
    if (::write(log_fd, line.data(), line.size()) < 0) {
      // The log is for the user; a full disk shows up in the server's own failure.
    }
  }
  try {
    pid_ = spawn_child(c, log_fd);
  } catch (...) {
    ::close(log_fd);
    throw;
  }
  ::close(log_fd);

  // Ready when GET /v1/models answers 200 with a model list.
  const auto start = std::chrono::steady_clock::now();
  for (;;) {
    if (std::string gone = exit_report(); !gone.empty()) throw std::runtime_error(gone);
    const HttpResponse r = http_request("GET", base_url_ + "/v1/models", "", {}, 5.0);
    if (r.status == 200) {
      const json models = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
      std::vector<std::string> ids;
      if (models.is_object() && models.contains("data") && models["data"].is_array())
        for (const auto& m : models["data"])
          if (m.is_object() && m.contains("id") && m["id"].is_string()) ids.push_back(m["id"].get<std::string>());
      if (ids.empty()) {
        stop();
        throw std::runtime_error(report("answered GET /v1/models without a model id: " + r.body.substr(0, 200)));
      }
      served_model_ = s.served_model.empty() ? ids.front() : s.served_model;
      return;
    }
    if (r.status == 401 || r.status == 403) {
      // Up, but it wants an API key, which the backend sends and this check does not have.
      if (s.served_model.empty()) {
        stop();
        throw std::runtime_error(report(fmt::format(
            "answers GET /v1/models with HTTP {} (an API key): set eval.serve.served_model to the name it serves",
            r.status)));
      }
      served_model_ = s.served_model;
      return;
    }
    const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (waited >= s.startup_timeout_s) {
      stop();
      throw std::runtime_error(report(fmt::format(
          "did not answer GET {}/v1/models within {} s (eval.serve.startup_timeout_s; last answer: {}); it was stopped",
          base_url_, s.startup_timeout_s, r.status ? "HTTP " + std::to_string(r.status) : r.error)));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

ModelServer::~ModelServer() { stop(); }

std::string ModelServer::report(const std::string& what_happened) const {
  std::string cmd;
  for (const auto& a : argv_) cmd += (cmd.empty() ? "" : " ") + a;
  return fmt::format("eval.serve: the server for {} ({}) {} (log: {}); its last lines:{}", what_, cmd, what_happened,
                     log_.string(), log_tail(log_, 12));
}

std::string ModelServer::exit_report() {
  if (pid_ > 0 && exit_status_ < 0) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) exit_status_ = exit_status_of(status);
  }
  if (exit_status_ < 0) return "";
  return report(exit_status_ == 127 ? "could not be started" : fmt::format("exited with status {}", exit_status_));
}

void ModelServer::stop() {
  if (pid_ <= 0) return;
  if (exit_status_ < 0)
    exit_status_ = stop_child_group(pid_, settings_.stop_timeout_s);
  else
    ::kill(-pid_, SIGKILL);  // workers a leader that exited left behind
  pid_ = -1;
}

}  // namespace qb
