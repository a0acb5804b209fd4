#include "metrics/text_prep.h"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include "common/error.h"

namespace qb {

namespace {

template <class Visit>
void for_each_code_point(std::string_view text, Visit&& visit) {
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  const int32_t len = static_cast<int32_t>(text.size());
  int32_t i = 0;
  while (i < len) {
    const int32_t start = i;
    UChar32 c;
    U8_NEXT(p, i, len, c);
    if (c < 0)
      throw InputError("<text>", "byte " + std::to_string(start), "ill-formed UTF-8 sequence");
    visit(c, start, i);
  }
}

}  // namespace

std::string strip_white_space(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for_each_code_point(text, [&](UChar32 c, int32_t begin, int32_t end) {
    if (!u_isUWhiteSpace(c)) out.append(text.data() + begin, static_cast<size_t>(end - begin));
  });
  return out;
}

std::vector<char32_t> code_points(std::string_view text) {
  std::vector<char32_t> out;
  out.reserve(text.size());
  for_each_code_point(text, [&](UChar32 c, int32_t, int32_t) { out.push_back(static_cast<char32_t>(c)); });
  return out;
}

}  // namespace qb
