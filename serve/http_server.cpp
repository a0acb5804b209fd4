#include "serve/http_server.h"

#include <fmt/format.h>
#include <httplib.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include <atomic>
#include <iostream>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "serve/api_error.h"
#include "serve/engine_queue.h"
#include "serve/openai_handlers.h"

namespace qb::serve {

using nlohmann::json;

namespace {

void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

// Compares without an early exit so the time taken does not reveal how much of a key matched.
bool same_secret(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

// Counts requests per route and status, for GET /stats (benchmarks and the resume test).
class RequestCounter {
 public:
  void add(const std::string& key) {
    std::lock_guard<std::mutex> lock(mu_);
    ++counts_[key];
  }
  json to_json() const {
    std::lock_guard<std::mutex> lock(mu_);
    return counts_;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, int64_t> counts_;
};

int g_stop_pipe[2] = {-1, -1};

extern "C" void on_stop_signal(int) {
  const char byte = 1;
  const int saved = errno;
  (void)!write(g_stop_pipe[1], &byte, 1);
  errno = saved;
}

}  // namespace

int run_server(ModelRunner& runner, const ServeOptions& o) {
  // SIGINT/SIGTERM may land on any thread (libtorch's pool threads exist before this function
  // runs, so a signal mask set here would not cover them). The handler only writes a byte to a
  // pipe (async-signal-safe); a thread reading it calls httplib's stop(), which is not safe in a
  // signal handler.
  if (pipe(g_stop_pipe) != 0) throw std::runtime_error("serve: cannot create the stop pipe");
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  EngineQueue queue(runner, o.max_queue);
  OpenAIHandlers handlers(runner, queue, o.served_model);
  RequestCounter counter;

  httplib::Server server;
  // Enough HTTP threads that a full queue is reachable (and answered 503) rather than requests
  // waiting unseen in the kernel's accept backlog.
  const size_t threads = std::min<size_t>(std::max<size_t>(o.max_queue + 4, 8), 256);
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_payload_max_length(64u << 20);

  server.set_pre_routing_handler([&](const httplib::Request& req, httplib::Response& res) {
    if (o.api_key.empty() || req.path == "/health") return httplib::Server::HandlerResponse::Unhandled;
    const std::string auth = req.get_header_value("Authorization");
    const std::string prefix = "Bearer ";
    if (auth.rfind(prefix, 0) == 0 && same_secret(auth.substr(prefix.size()), o.api_key))
      return httplib::Server::HandlerResponse::Unhandled;
    counter.add(req.method + " " + req.path + " 401");
    send_json(res, 401,
              ApiError(401,
                       auth.empty() ? "no API key: send the header 'Authorization: Bearer KEY'"
                                    : "incorrect API key in the Authorization header",
                       "invalid_request_error", "", "invalid_api_key")
                  .to_json());
    return httplib::Server::HandlerResponse::Handled;
  });

  // Every handler answers JSON; an ApiError becomes its status, anything else a 500 naming it,
  // and the server goes on serving.
  auto route = [&](auto fn) {
    return [&, fn](const httplib::Request& req, httplib::Response& res) {
      int status = 200;
      try {
        send_json(res, 200, fn(req));
      } catch (const ApiError& e) {
        status = e.status;
        send_json(res, e.status, e.to_json());
      } catch (const std::exception& e) {
        status = 500;
        send_json(res, 500,
                  ApiError(500, fmt::format("{} {}: internal error: {}", req.method, req.path, e.what()), "server_error")
                      .to_json());
      }
      counter.add(fmt::format("{} {} {}", req.method, req.path, status));
    };
  };
  server.Get("/health", route([](const httplib::Request&) { return json{{"status", "ok"}}; }));
  server.Get("/v1/models", route([&](const httplib::Request&) { return handlers.models(); }));
  server.Post("/v1/completions", route([&](const httplib::Request& r) { return handlers.completions(r.body); }));
  server.Post("/v1/chat/completions", route([&](const httplib::Request& r) { return handlers.chat(r.body); }));
  server.Post("/tokenize", route([&](const httplib::Request& r) { return handlers.tokenize(r.body); }));
  server.Post("/detokenize", route([&](const httplib::Request& r) { return handlers.detokenize(r.body); }));
  server.Get("/stats", route([&](const httplib::Request&) {
    const QueueStats s = queue.stats();
    return json{{"requests", counter.to_json()},
                {"engine", {{"jobs", s.jobs}, {"batches", s.batches}, {"rejected", s.rejected},
                            {"max_batch_jobs", s.max_batch_jobs}}}};
  }));
  // Unknown paths and methods: an OpenAI-style body instead of httplib's empty one.
  server.set_error_handler([&](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    send_json(res, res.status,
              ApiError(res.status, fmt::format("{} {}: no such endpoint", req.method, req.path), "invalid_request_error")
                  .to_json());
  });

  int port = o.port;
  if (port == 0) {
    port = server.bind_to_any_port(o.host);
    if (port < 0) throw std::runtime_error(fmt::format("serve: cannot bind {} on any port", o.host));
  } else if (!server.bind_to_port(o.host, port)) {
    throw std::runtime_error(fmt::format("serve: cannot bind {}:{} (in use, or not an address of this machine)",
                                         o.host, port));
  }
  std::thread stopper([&] {
    char byte = 0;
    while (read(g_stop_pipe[0], &byte, 1) < 0 && errno == EINTR) {
    }
    server.stop();
  });
  std::cout << fmt::format("qilin-bench serve: listening on http://{}:{} (model '{}')", o.host, port,
                           o.served_model)
            << std::endl;
  server.listen_after_bind();
  // listen returned: stopped by a signal (the stopper has finished) or failed (the stopper still
  // waits: this byte wakes it).
  on_stop_signal(0);
  stopper.join();
  std::cout << "qilin-bench serve: stopped" << std::endl;
  return 0;
}

}  // namespace qb::serve
