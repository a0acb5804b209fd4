// UTF-8 validation and code-point iteration, done with ICU's macros.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace qb {

// Byte offset of the first ill-formed UTF-8 sequence, or nullopt if `s` is valid.
std::optional<size_t> first_invalid_utf8(std::string_view s);

// Number of Unicode code points in valid UTF-8 `s` ("characters" in every length statistic).
size_t count_code_points(std::string_view s);

// Strips a leading UTF-8 byte-order mark, if any.
std::string_view strip_bom(std::string_view s);

// "0xC3": how error messages name a byte that is not valid UTF-8.
std::string hex_byte(unsigned char c);

}  // namespace qb
