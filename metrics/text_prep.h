// Text preparation shared by every reference-based metric (SPEC §4): all Unicode
// White_Space is removed before any tokenizing, and character-level metrics see code points.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace qb {

// `text` without any White_Space code point (ICU u_isUWhiteSpace: ASCII spaces and
// controls \t\n\v\f\r, U+0085, U+00A0, U+1680, U+2000..U+200A, U+2028/9, U+202F, U+205F,
// U+3000). Throws InputError("<text>", "byte N", ...) on ill-formed UTF-8.
std::string strip_white_space(std::string_view text);
// The same into `out` (replacing its content; no allocation once `out` is big enough).
void strip_white_space(std::string_view text, std::string& out);

// The code points of valid UTF-8 `text`, in order (throws InputError on ill-formed UTF-8).
std::vector<char32_t> code_points(std::string_view text);
// The same into `out` (replacing its content).
void code_points(std::string_view text, std::vector<uint32_t>& out);

}  // namespace qb
