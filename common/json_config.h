// JSON configuration with defaults, a user file merged over them, and
// `--set a.b.c=value` overrides. Unknown keys are errors: a typo never runs silently.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace qb {

// Merges `user` over `defaults` (objects recursively, everything else replaced). Every key in
// `user` must exist in `defaults` unless the default object is empty ({} = free-form);
// errors name `source` and the dotted key path.
// `free_form` lists dotted paths whose objects take any keys (checked by their consumer).
nlohmann::json merge_config(const nlohmann::json& defaults, const nlohmann::json& user,
                            const std::string& source, const std::vector<std::string>& free_form = {});

// Applies one "dotted.key=value" override. The value is parsed as JSON when it parses
// (numbers, true/false, null, arrays, objects, quoted strings), else taken as a plain string.
void apply_override(nlohmann::json& config, const std::string& assignment,
                    const std::vector<std::string>& free_form = {});

// Reads a JSON config file; errors carry the file, line and column of a syntax error.
nlohmann::json read_json_file(const std::string& path);

}  // namespace qb
