#include "common/placeholders.h"

#include "common/error.h"

namespace qb {

std::string fill_placeholders(const std::string& text, const Placeholders& values, const std::string& where) {
  std::string out;
  for (size_t i = 0; i < text.size();) {
    if (text.compare(i, 2, "{{") == 0 || text.compare(i, 2, "}}") == 0) {
      out += text[i];
      i += 2;
      continue;
    }
    if (text[i] != '{') {
      out += text[i++];
      continue;
    }
    const size_t close = text.find('}', i);
    if (close == std::string::npos) throw InputError(where, "'" + text + "'", "has a '{' without its '}' (write {{ for a brace)");
    const std::string name = text.substr(i + 1, close - i - 1);
    const std::string* value = nullptr;
    for (const auto& [n, v] : values)
      if (n == name) value = &v;
    if (!value) {
      std::string known;
      for (const auto& [n, v] : values) known += (known.empty() ? "{" : ", {") + n + "}";
      throw InputError(where, "'{" + name + "}'", "is not a placeholder (known: " + known + "; write {{ for a brace)");
    }
    out += *value;
    i = close + 1;
  }
  return out;
}

nlohmann::json fill_placeholders(const nlohmann::json& j, const Placeholders& values, const std::string& where) {
  if (j.is_string()) return fill_placeholders(j.get<std::string>(), values, where);
  if (j.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& x : j) out.push_back(fill_placeholders(x, values, where));
    return out;
  }
  if (j.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [k, v] : j.items()) out[k] = fill_placeholders(v, values, where);
    return out;
  }
  return j;
}

}  // namespace qb
