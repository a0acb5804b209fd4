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

namespace {

// The key under which done.json lists the node's files; never part of the outputs callers see.
constexpr const char* kFilesKey = "_files";

// Every regular file of a node's directory (work/ included: training nodes keep their final
// checkpoint there) but done.json itself and an atomic writer's temporaries, as relative path ->
// size in bytes.
json list_files(const fs::path& dir) {
  json files = json::object();
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator(); ++it) {
    const fs::path rel = fs::relative(it->path(), dir);
    if (!it->is_regular_file() || rel == "done.json" || rel == "done.invalid.json") continue;
    if (rel.filename().string().find(".tmp.") != std::string::npos) continue;
    files[rel.generic_string()] = static_cast<uint64_t>(it->file_size());
  }
  return files;
}

// "" when every listed file is present with its recorded size, else what is wrong.
std::string check_files(const fs::path& dir, const json& files) {
  for (const auto& [rel, size] : files.items()) {
    const fs::path p = dir / rel;
    std::error_code ec;
    if (!fs::is_regular_file(p, ec)) return rel + " is missing";
    const auto actual = fs::file_size(p, ec);
    if (ec || actual != size.get<uint64_t>())
      return rel + " has " + std::to_string(actual) + " bytes, " + std::to_string(size.get<uint64_t>()) +
             " when the step finished";
  }
  return "";
}

}  // namespace

std::optional<json> NodeCache::finished(const CacheNode& node, std::string* damage) const {
  const fs::path done = node.dir / "done.json";
  if (!fs::exists(done)) return std::nullopt;
  std::string problem;
  json outputs;
  try {
    outputs = json::parse(read_file(done));
    if (!outputs.is_object()) problem = "done.json is not a JSON object";
  } catch (const json::exception&) {
    problem = "done.json is not valid JSON";
  }
  // Nodes finished before file lists were recorded have none: they are taken as they are.
  if (problem.empty() && outputs.contains(kFilesKey)) problem = check_files(node.dir, outputs[kFilesKey]);
  if (!problem.empty()) {
    std::error_code ec;
    fs::rename(done, node.dir / "done.invalid.json", ec);
    if (ec) fs::remove(done, ec);
    if (damage) *damage = problem;
    return std::nullopt;
  }
  outputs.erase(kFilesKey);
  return outputs;
}

void NodeCache::finish(const CacheNode& node, const json& outputs) const {
  fs::create_directories(node.dir);
  json done = outputs;
  done[kFilesKey] = list_files(node.dir);
  write_file_atomic(node.dir / "done.json", done.dump(2) + "\n");
}

}  // namespace qb
