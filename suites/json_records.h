// Iterates the JSON objects of a JSONL file (one per line) or of a JSON list file
// (a top-level array), validating UTF-8 and syntax with precise locations.
#pragma once

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>

#include "suites/read_options.h"

namespace qb {

enum class JsonLayout { kLines, kList };

// The first byte that is not whitespace (after a BOM), or 0 for a file with none.
char first_nonblank_char(const std::filesystem::path& path);

// Looks at the first non-blank byte: '[' is a JSON list, anything else JSONL.
// Throws InputError("empty file") for a file with no content.
JsonLayout detect_json_layout(const std::filesystem::path& path);

// Calls `fn(record, location)` for every JSON value. JSONL is streamed line by line
// (blank lines are skipped); a JSON list is parsed whole, then handed out one by one.
// Syntax errors, truncated JSON and invalid UTF-8 are reported through `report`
// (thrown in strict mode). Errors `fn` throws as InputError are routed the same way,
// so a record-level validation failure is skipped in lenient mode.
void for_each_json_record(const std::filesystem::path& path, const ReadOptions& opts,
                          ReadReport& report,
                          const std::function<void(const nlohmann::json&, const RecordLocation&)>& fn);

}  // namespace qb
