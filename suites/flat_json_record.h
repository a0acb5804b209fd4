// A fast path for the usual JSONL record of a predictions file: one flat JSON object whose values
// are strings, numbers, true, false or null. Parsing it without building a DOM is ~5x cheaper
// than nlohmann::json::parse, which matters when scoring takes ~0.1 s in all.
// Anything else — nested values, duplicate keys, invalid JSON or UTF-8, escapes that do not form
// valid UTF-16, exponents, integers of 19+ digits — makes it return false, and the caller parses
// the line with nlohmann as before, so results and error messages are unchanged.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace qb {

struct FlatJsonField {
  enum Kind { kString, kInteger, kNumber, kTrue, kFalse, kNull };
  std::string key;
  Kind kind = kNull;
  std::string text;        // kString: the decoded string; kInteger: the literal (<= 18 digits)
};

// Fills `fields` (replacing its content) in document order; false when `line` is not in the
// subset described above (which includes every malformed line).
bool parse_flat_json_object(std::string_view line, std::vector<FlatJsonField>& fields);

}  // namespace qb
