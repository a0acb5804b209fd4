#include <cstdlib>
#include <string>
#include <thread>

#include "common/error.h"
#include "harness/commands.h"

namespace qb::cli {

GlobalOptions& global_options() {
  static GlobalOptions g;
  return g;
}

int resolved_threads() {
  if (global_options().threads > 0) return global_options().threads;
  if (const char* env = std::getenv("QILIN_THREADS"); env && *env) {
    char* end = nullptr;
    long n = std::strtol(env, &end, 10);
    if (*end != '\0' || n < 1 || n > 1024)
      throw InputError("QILIN_THREADS", "", "must be a whole number from 1 to 1024, got '" +
                                                std::string(env) + "'");
    return static_cast<int>(n);
  }
  unsigned hc = std::thread::hardware_concurrency();
  return hc == 0 ? 1 : static_cast<int>(hc);
}

}  // namespace qb::cli
