// Small string helpers shared by the readers.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace qb {

// Strips ASCII whitespace (space, tab, CR, LF) and U+3000 ideographic spaces at both ends.
std::string_view trim(std::string_view s);

// "A, B, C" — names joined for messages.
std::string join(const std::vector<std::string>& parts, const std::string& sep);

// Quotes a value for an error message, shortened to `max_chars` code points.
std::string shown(std::string_view s, size_t max_chars = 40);

}  // namespace qb
