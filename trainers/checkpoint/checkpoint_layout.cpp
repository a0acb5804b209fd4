#include "trainers/checkpoint/checkpoint_layout.h"
#include "common/json_number_overflow.h"

#include <nlohmann/json.hpp>
#include <set>

#include "common/atomic_file.h"
#include "common/error.h"

namespace qb {

namespace fs = std::filesystem;

CheckpointLayout find_checkpoint_layout(const fs::path& dir) {
  CheckpointLayout l;
  if (!fs::is_directory(dir)) throw InputError(dir.string(), "checkpoint", "is not a directory");
  l.config = dir / "config.json";
  if (!fs::exists(l.config)) throw InputError(dir.string(), "checkpoint", "has no config.json");
  const fs::path index = dir / "model.safetensors.index.json";
  const fs::path single = dir / "model.safetensors";
  if (fs::exists(index)) {
    l.index = index;
    nlohmann::json j;
    const std::string text = read_file(index);
    try {
      j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
      throw InputError(index.string(), "byte " + std::to_string(e.byte), std::string("invalid JSON: ") + e.what());
    } catch (const nlohmann::json::out_of_range& e) {
      const auto o = locate_number_overflow(text, e);
      throw InputError(index.string(), "byte " + std::to_string(o.offset + 1), o.problem());
    }
    if (!j.is_object() || !j.contains("weight_map") || !j["weight_map"].is_object())
      throw InputError(index.string(), "key 'weight_map'", "missing or not an object");
    std::set<std::string> files;
    for (auto it = j["weight_map"].begin(); it != j["weight_map"].end(); ++it) {
      if (!it->is_string()) throw InputError(index.string(), "weight_map '" + it.key() + "'", "must be a file name");
      const std::string f = it->get<std::string>();
      // A shard is a file beside the index: no directories ('/', '.', '..'), no NUL, and no longer
      // than a file name can be (255 bytes), which the file system would refuse with an exception
      // rather than "missing" (found by fuzz/fuzz_safetensors).
      if (f.empty() || f == "." || f == ".." || f.find('/') != std::string::npos || f.find('\0') != std::string::npos ||
          f.size() > 255)
        throw InputError(index.string(), "weight_map '" + it.key() + "'",
                         "shard " + (f.size() > 80 ? "of a " + std::to_string(f.size()) + "-byte name" : "'" + f + "'") +
                             " must be a plain file name");
      l.weight_map[it.key()] = f;
      files.insert(f);
    }
    for (const auto& f : files) {
      std::error_code ec;
      if (!fs::is_regular_file(dir / f, ec)) throw InputError(index.string(), "shard '" + f + "'", "file is missing");
      l.shards.push_back(dir / f);
    }
  } else if (fs::exists(single)) {
    l.shards.push_back(single);
  } else {
    std::string hint = fs::exists(dir / "pytorch_model.bin")
                           ? " (pytorch_model.bin is not read; convert it to safetensors)"
                           : "";
    throw InputError(dir.string(), "checkpoint", "has neither model.safetensors nor model.safetensors.index.json" + hint);
  }
  return l;
}

}  // namespace qb
