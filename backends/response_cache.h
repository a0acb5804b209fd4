// Answers of a served model kept on disk, keyed by sha256(endpoint path + "\n" + request body),
// so an interrupted evaluation resumes without resending what was answered and a rerun sends
// nothing. The key has no host (replicas share it) and no API key (bodies never hold one).
// Files: DIR/<first 2 hex>/<64 hex>.json holding the response body, written atomically.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace qb {

class ResponseCache {
 public:
  explicit ResponseCache(std::filesystem::path dir);  // empty path = no cache
  bool enabled() const { return !dir_.empty(); }
  static std::string key(const std::string& endpoint, const std::string& body);
  std::optional<std::string> get(const std::string& key) const;
  void put(const std::string& key, const std::string& response) const;

 private:
  std::filesystem::path path_of(const std::string& key) const;
  std::filesystem::path dir_;
};

}  // namespace qb
