#include "metrics/text_prep.h"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <cstring>

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
  strip_white_space(text, out);
  return out;
}

void strip_white_space(std::string_view text, std::string& out) {
  out.resize(text.size());
  char* o = out.data();
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  const int32_t len = static_cast<int32_t>(text.size());
  int32_t i = 0;
  while (i < len) {
    if (p[i] < 0x80) {  // ASCII: White_Space is \t..\r and space
      if (p[i] != ' ' && (p[i] < '\t' || p[i] > '\r')) *o++ = static_cast<char>(p[i]);
      ++i;
      continue;
    }
    const int32_t start = i;
    UChar32 c;
    U8_NEXT(p, i, len, c);
    if (c < 0) throw InputError("<text>", "byte " + std::to_string(start), "ill-formed UTF-8 sequence");
    // No code point above U+3000 (IDEOGRAPHIC SPACE) has the White_Space property, so Han text
    // skips the ICU property lookup.
    if (c > 0x3000 || !u_isUWhiteSpace(c)) {
      std::memcpy(o, p + start, static_cast<size_t>(i - start));
      o += i - start;
    }
  }
  out.resize(static_cast<size_t>(o - out.data()));
}

void code_points(std::string_view text, std::vector<uint32_t>& out) {
  out.clear();
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  const int32_t len = static_cast<int32_t>(text.size());
  for (int32_t i = 0; i < len;) {
    if (p[i] < 0x80) {
      out.push_back(p[i++]);
      continue;
    }
    const int32_t start = i;
    UChar32 c;
    U8_NEXT(p, i, len, c);
    if (c < 0) throw InputError("<text>", "byte " + std::to_string(start), "ill-formed UTF-8 sequence");
    out.push_back(static_cast<uint32_t>(c));
  }
}

std::vector<char32_t> code_points(std::string_view text) {
  std::vector<char32_t> out;
  out.reserve(text.size());
  for_each_code_point(text, [&](UChar32 c, int32_t, int32_t) { out.push_back(static_cast<char32_t>(c)); });
  return out;
}

}  // namespace qb
