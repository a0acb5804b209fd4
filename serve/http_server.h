// `qilin-bench serve`'s HTTP layer (cpp-httplib): routes, the Bearer key check, JSON error bodies,
// and a clean stop on SIGINT/SIGTERM. The model work happens in OpenAIHandlers + EngineQueue.
#pragma once

#include <cstddef>
#include <string>

#include "serve/model_runner.h"

namespace qb::serve {

struct ServeOptions {
  std::string host = "127.0.0.1";  // loopback unless asked otherwise
  int port = 8000;                 // 0 = any free port (printed when listening)
  std::string served_model;        // the name clients must send as "model"
  std::string api_key;             // empty = no key required
  size_t max_queue = 64;           // jobs waiting for the engine before 503
};

// Serves until SIGINT or SIGTERM. Prints "listening on http://HOST:PORT" on stdout once the port
// is bound (tests and scripts wait for that line). Returns 0 after a clean stop; throws
// std::runtime_error when the address cannot be bound.
int run_server(ModelRunner& runner, const ServeOptions& options);

}  // namespace qb::serve
