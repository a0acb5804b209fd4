#include "trainers/checkpoint/chat_template.h"

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/error.h"

namespace qb {

using nlohmann::json;

namespace {

struct Field {
  const char* key;
  std::string ChatTemplateMarkers::*member;
};
const Field kFields[] = {{"system_prefix", &ChatTemplateMarkers::system_prefix},
                         {"system_suffix", &ChatTemplateMarkers::system_suffix},
                         {"user_prefix", &ChatTemplateMarkers::user_prefix},
                         {"user_suffix", &ChatTemplateMarkers::user_suffix},
                         {"assistant_prefix", &ChatTemplateMarkers::assistant_prefix},
                         {"assistant_suffix", &ChatTemplateMarkers::assistant_suffix}};

}  // namespace

std::optional<ChatTemplateMarkers> read_chat_template(const std::filesystem::path& dir) {
  const auto file = dir / kChatTemplateFile;
  if (!std::filesystem::exists(file)) return std::nullopt;
  json j = json::parse(read_file(file), nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw error_in_file(file.string(), "not a JSON object");
  ChatTemplateMarkers t;
  for (const auto& f : kFields) {
    auto it = j.find(f.key);
    if (it == j.end() || !it->is_string())
      throw InputError(file.string(), std::string("key '") + f.key + "'", "missing or not a string");
    t.*f.member = it->get<std::string>();
  }
  return t;
}

void write_chat_template(const std::filesystem::path& dir, const ChatTemplateMarkers& t) {
  json j = json::object();
  for (const auto& f : kFields) j[f.key] = t.*f.member;
  write_file_atomic(dir / kChatTemplateFile, j.dump(2) + "\n");
}

}  // namespace qb
