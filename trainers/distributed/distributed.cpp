#include "trainers/distributed/distributed.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "common/error.h"

namespace qb {

namespace {

InputError bad_variable(const std::string& name, const std::string& problem) {
  return InputError("environment", "variable " + name, problem);
}

// A whole number in [lo, hi]; the whole value must parse (no "2x", no " 2").
long parse_whole(const std::string& name, const std::string& value, long lo, long hi) {
  if (value.empty()) throw bad_variable(name, "is empty; expected a whole number");
  for (char ch : value)
    if (ch < '0' || ch > '9') throw bad_variable(name, "'" + value + "' is not a whole number");
  errno = 0;
  const long v = std::strtol(value.c_str(), nullptr, 10);
  if (errno == ERANGE || v < lo || v > hi)
    throw bad_variable(name, "'" + value + "' is out of range (" + std::to_string(lo) + " to " + std::to_string(hi) + ")");
  return v;
}

}  // namespace

DistributedEnv parse_distributed_env(const std::function<std::optional<std::string>(const std::string&)>& lookup) {
  DistributedEnv env;
  const auto rank = lookup("RANK"), world = lookup("WORLD_SIZE");
  if (rank && !world) throw bad_variable("WORLD_SIZE", "is unset while RANK is set; set both or neither");
  if (world && !rank) {
    // WORLD_SIZE=1 alone is harmless (some schedulers export it for single jobs).
    if (parse_whole("WORLD_SIZE", *world, 1, 65536) == 1) return env;
    throw bad_variable("RANK", "is unset while WORLD_SIZE is " + *world + "; set both or neither");
  }
  if (!world) return env;
  env.world_size = static_cast<int>(parse_whole("WORLD_SIZE", *world, 1, 65536));
  env.rank = static_cast<int>(parse_whole("RANK", *rank, 0, 65535));
  if (env.rank >= env.world_size)
    throw bad_variable("RANK", std::to_string(env.rank) + " is not below WORLD_SIZE (" +
                                   std::to_string(env.world_size) + "); ranks are 0 to WORLD_SIZE-1");
  if (const auto t = lookup("QILIN_DIST_TIMEOUT")) {
    char* end = nullptr;
    const double v = std::strtod(t->c_str(), &end);
    if (t->empty() || end != t->c_str() + t->size() || !std::isfinite(v) || v <= 0)
      throw bad_variable("QILIN_DIST_TIMEOUT", "'" + *t + "' is not a positive number of seconds");
    env.timeout_seconds = v;
  }
  if (!env.enabled()) return env;
  const auto addr = lookup("MASTER_ADDR");
  if (!addr || addr->empty())
    throw bad_variable("MASTER_ADDR", "is unset; with WORLD_SIZE=" + std::to_string(env.world_size) +
                                          " it must name the host of rank 0 (e.g. 127.0.0.1 on one machine)");
  env.master_addr = *addr;
  if (const auto port = lookup("MASTER_PORT")) env.master_port = static_cast<int>(parse_whole("MASTER_PORT", *port, 1, 65535));
  env.launcher_store = lookup("TORCHELASTIC_USE_AGENT_STORE") == std::optional<std::string>("True");
  if (const auto n = lookup("TORCHELASTIC_RESTART_COUNT"))
    env.restart_count = static_cast<int>(parse_whole("TORCHELASTIC_RESTART_COUNT", *n, 0, 1000000));
  return env;
}

DistributedEnv distributed_env_from_environment() {
  return parse_distributed_env([](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  });
}

}  // namespace qb
