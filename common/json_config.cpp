#include "common/json_config.h"
#include "common/json_number_overflow.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/atomic_file.h"
#include "common/error.h"

namespace qb {
using nlohmann::json;

static std::string known_keys(const json& obj) {
  std::string s;
  for (auto it = obj.begin(); it != obj.end(); ++it) s += (s.empty() ? "" : ", ") + it.key();
  return s;
}

static void merge_into(json& dst, const json& src, const std::string& path, const std::string& source,
                       const std::vector<std::string>& free_paths) {
  for (auto it = src.begin(); it != src.end(); ++it) {
    std::string key = path.empty() ? it.key() : path + "." + it.key();
    bool free_form = (dst.is_object() && dst.empty()) ||
                     std::find(free_paths.begin(), free_paths.end(), path) != free_paths.end();
    if (!dst.contains(it.key())) {
      if (!free_form)
        throw InputError(source, "key '" + key + "'",
                         "unknown setting (known here: " + known_keys(dst) + ")");
      dst[it.key()] = it.value();
      continue;
    }
    json& d = dst[it.key()];
    if (d.is_object() && it.value().is_object() && !d.empty()) {
      merge_into(d, it.value(), key, source, free_paths);
    } else {
      // Types must agree with the default unless the default is null (meaning "unset").
      bool numeric_ok = d.is_number() && it.value().is_number();
      if (!d.is_null() && !it.value().is_null() && d.type() != it.value().type() && !numeric_ok)
        throw InputError(source, "key '" + key + "'",
                         fmt::format("expected a {} like the default ({}), got {}", d.type_name(),
                                     d.dump(), it.value().dump()));
      d = it.value();
    }
  }
}

json merge_config(const json& defaults, const json& user, const std::string& source,
                  const std::vector<std::string>& free_form) {
  if (!user.is_object()) throw error_in_file(source, "a config must be a JSON object");
  json out = defaults;
  merge_into(out, user, "", source, free_form);
  return out;
}

void apply_override(json& config, const std::string& assignment, const std::vector<std::string>& free_form) {
  auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw InputError("--set", "'" + assignment + "'", "expected key=value, e.g. stages.dcpt.steps=200");
  std::string key = assignment.substr(0, eq);
  std::string text = assignment.substr(eq + 1);
  json value = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) value = text;
  // Build {"a": {"b": {"c": value}}} and merge it, so overrides obey the same checks as files.
  json patch = value;
  size_t end = key.size();
  while (true) {
    size_t dot = key.rfind('.', end - 1);
    std::string part = key.substr(dot == std::string::npos ? 0 : dot + 1,
                                  end - (dot == std::string::npos ? 0 : dot + 1));
    if (part.empty()) throw InputError("--set", "'" + assignment + "'", "empty key segment");
    patch = json{{part, patch}};
    if (dot == std::string::npos) break;
    end = dot;
  }
  config = merge_config(config, patch, "--set " + assignment, free_form);
}

json read_json_file(const std::string& path) {
  std::string text = read_file(path);
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    // Turn the byte offset into a line number a person can use.
    size_t upto = std::min<size_t>(e.byte > 0 ? e.byte - 1 : 0, text.size());
    long line = 1 + static_cast<long>(std::count(text.begin(), text.begin() + upto, '\n'));
    throw error_at_line(path, line, std::string("invalid JSON: ") + e.what());
  } catch (const json::out_of_range& e) {
    const auto o = locate_number_overflow(text, e);
    throw error_at_line(path, line_of_offset_in(text, o.offset), o.problem());
  }
}

}  // namespace qb
