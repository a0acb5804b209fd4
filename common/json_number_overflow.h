// nlohmann::json::parse throws out_of_range (error 406, "number overflow parsing '1e999'"), not
// parse_error, for a number too large for a double, and says nowhere where it is. The readers
// catch it beside parse_error and report it as invalid JSON at the number's place, through this.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace qb {

struct JsonNumberOverflow {
  std::string literal;  // the number as written, e.g. "1e999"
  size_t offset = 0;    // 0-based byte offset of its first occurrence in the text (0 if not found)
  std::string problem() const { return "invalid JSON: number out of range: " + literal; }
};

JsonNumberOverflow locate_number_overflow(std::string_view text, const nlohmann::json::out_of_range& e);

// 1-based line of a byte offset.
long line_of_offset_in(std::string_view text, size_t offset);

}  // namespace qb
