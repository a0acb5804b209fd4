// "{name}" placeholders in argv, environment values and config strings a user writes for a
// command the pipeline runs (an external trainer, a model server). "{{" and "}}" stand for
// literal braces; an unknown name is an InputError that lists the known ones.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace qb {

using Placeholders = std::vector<std::pair<std::string, std::string>>;  // name (without braces) -> value

// InputError(where, "'{name}'", "is not a placeholder (known: …)") for an unknown name, and
// InputError(where, "'text'", …) for a '{' without its '}'.
std::string fill_placeholders(const std::string& text, const Placeholders& values, const std::string& where);
// The same in every string of a JSON value (keys untouched).
nlohmann::json fill_placeholders(const nlohmann::json& j, const Placeholders& values, const std::string& where);

}  // namespace qb
