#include "backends/response_cache.h"

#include <system_error>

#include "common/atomic_file.h"
#include "common/sha256.h"

namespace qb {

ResponseCache::ResponseCache(std::filesystem::path dir) : dir_(std::move(dir)) {}

std::string ResponseCache::key(const std::string& endpoint, const std::string& body) {
  return sha256_hex(endpoint + "\n" + body);
}

std::filesystem::path ResponseCache::path_of(const std::string& key) const {
  return dir_ / key.substr(0, 2) / (key + ".json");
}

std::optional<std::string> ResponseCache::get(const std::string& key) const {
  if (!enabled()) return std::nullopt;
  const auto p = path_of(key);
  std::error_code ec;
  if (!std::filesystem::exists(p, ec)) return std::nullopt;
  return read_file(p);
}

void ResponseCache::put(const std::string& key, const std::string& response) const {
  if (!enabled()) return;
  const auto p = path_of(key);
  std::filesystem::create_directories(p.parent_path());
  write_file_atomic(p, response);
}

}  // namespace qb
