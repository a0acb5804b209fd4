// Typed access to the fields of one JSON record, with errors that name the field.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "suites/read_options.h"

namespace qb {

// The keys of `j` in document order is not kept by nlohmann::json (sorted); fine for reports.
std::vector<std::string> json_keys(const nlohmann::json& j);

// A required string field: throws "missing field 'k'" / "field 'k' is a number, expected a string".
std::string json_string(const nlohmann::json& j, const char* key, const RecordLocation& loc);

// A string or a list of strings (Huatuo `questions`/`answers`): returns the non-empty
// trimmed strings; throws when the field is missing, of another type, or holds a non-string.
std::vector<std::string> json_string_or_list(const nlohmann::json& j, const char* key,
                                             const RecordLocation& loc);

// The record's optional id: a string or an integer; empty when absent, null or "".
std::string json_optional_id(const nlohmann::json& j);

}  // namespace qb
