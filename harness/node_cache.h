// Content-addressed step outputs. Every pipeline step (a node) gets a directory named by
// the hash of everything that determines its output: its settings, the hashes of the
// nodes it reads, and the cache format version. A node is finished exactly when its
// done.json exists; it is written atomically as the step's last act, so a run killed at
// any moment either has the node or resumes it (from its own work/ checkpoints).
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace qb {

struct CacheNode {
  std::string name;               // e.g. "train-dcpt", "eval-sft-cmexam-loglik"
  std::string hash;               // sha256 of the canonical key JSON
  std::filesystem::path dir;      // <root>/<name>-<hash[0:16]>
  std::filesystem::path work() const { return dir / "work"; }
};

class NodeCache {
 public:
  explicit NodeCache(std::filesystem::path root);

  // `key` holds everything the output depends on (settings, input node hashes).
  CacheNode node(const std::string& name, const nlohmann::json& key) const;

  // The node's recorded outputs, when it has finished and its files are intact. A done.json
  // whose files are missing or changed size since finish() (a truncated samples.jsonl, a
  // deleted checkpoint) or that does not parse is set aside as done.invalid.json, `damage` says
  // what was wrong, and the node counts as unfinished so the pipeline redoes it.
  std::optional<nlohmann::json> finished(const CacheNode& node, std::string* damage = nullptr) const;
  // Records the outputs, with the size of every file in the node's directory,
  // and marks the node finished (atomic).
  void finish(const CacheNode& node, const nlohmann::json& outputs) const;

  const std::filesystem::path& root() const { return root_; }

 private:
  std::filesystem::path root_;
};

// Bump when the layout or meaning of cached outputs changes.
inline constexpr int kCacheFormatVersion = 1;

}  // namespace qb
