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

// Throws InputError("FILE: the file is UTF-16 ...") when `head` (the first bytes of the
// file) starts with a UTF-16 byte-order mark: a common spreadsheet export that would
// otherwise surface as a puzzling invalid-UTF-8 error.
void reject_utf16(std::string_view head, const std::string& file);

}  // namespace qb
