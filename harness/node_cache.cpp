#include "harness/node_cache.h"

#include "common/atomic_file.h"
#include "common/sha256.h"

namespace qb {
namespace fs = std::filesystem;
using nlohmann::json;

NodeCache::NodeCache(fs::path root) : root_(std::move(root)) {}

CacheNode NodeCache::node(const std::string& name, const json& key) const {
  // nlohmann's default object is a sorted map, so dump() is canonical.
  json full = {{"node", name}, {"key", key}, {"cache_format", kCacheFormatVersion}};
  CacheNode n;
  n.name = name;
  n.hash = sha256_hex(full.dump());
  n.dir = root_ / (name + "-" + n.hash.substr(0, 16));
  return n;
}

std::optional<json> NodeCache::finished(const CacheNode& node) const {
  fs::path done = node.dir / "done.json";
  if (!fs::exists(done)) return std::nullopt;
  return json::parse(read_file(done));
}

void NodeCache::finish(const CacheNode& node, const json& outputs) const {
  fs::create_directories(node.dir);
  write_file_atomic(node.dir / "done.json", outputs.dump(2) + "\n");
}

}  // namespace qb
