#include "suites/json_fields.h"

#include "suites/text_util.h"

namespace qb {

std::vector<std::string> json_keys(const nlohmann::json& j) {
  std::vector<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
  return keys;
}

std::string json_string(const nlohmann::json& j, const char* key, const RecordLocation& loc) {
  auto it = j.find(key);
  if (it == j.end()) throw loc.error(std::string("missing field '") + key + "'");
  if (!it->is_string())
    throw loc.error(std::string("field '") + key + "' is " + it->type_name() + ", expected a string");
  return it->get<std::string>();
}

std::vector<std::string> json_string_or_list(const nlohmann::json& j, const char* key,
                                             const RecordLocation& loc) {
  auto it = j.find(key);
  if (it == j.end()) throw loc.error(std::string("missing field '") + key + "'");
  std::vector<std::string> out;
  if (it->is_string()) {
    auto t = trim(it->get_ref<const std::string&>());
    if (!t.empty()) out.emplace_back(t);
    return out;
  }
  if (!it->is_array())
    throw loc.error(std::string("field '") + key + "' is " + it->type_name() +
                    ", expected a string or a list of strings");
  for (size_t i = 0; i < it->size(); ++i) {
    const auto& e = (*it)[i];
    if (!e.is_string())
      throw loc.error(std::string("field '") + key + "' item " + std::to_string(i + 1) + " is " + e.type_name() +
                      ", expected a string");
    auto t = trim(e.get_ref<const std::string&>());
    if (!t.empty()) out.emplace_back(t);
  }
  return out;
}

std::string json_optional_id(const nlohmann::json& j) {
  auto it = j.find("id");
  if (it == j.end() || it->is_null()) return "";
  if (it->is_string()) return std::string(trim(it->get_ref<const std::string&>()));
  if (it->is_number_integer() || it->is_number_unsigned()) return it->dump();
  return "";
}

}  // namespace qb
