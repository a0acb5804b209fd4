#include "common/utf8.h"

#include <unicode/utf8.h>

#include <cstdio>

namespace qb {

std::optional<size_t> first_invalid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  int32_t len = static_cast<int32_t>(s.size());
  int32_t i = 0;
  while (i < len) {
    int32_t start = i;
    UChar32 c;
    U8_NEXT(p, i, len, c);
    if (c < 0) return static_cast<size_t>(start);
  }
  return std::nullopt;
}

size_t count_code_points(std::string_view s) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  int32_t len = static_cast<int32_t>(s.size());
  int32_t i = 0;
  size_t n = 0;
  while (i < len) {
    UChar32 c;
    U8_NEXT(p, i, len, c);
    ++n;
  }
  return n;
}

std::string_view strip_bom(std::string_view s) {
  if (s.size() >= 3 && static_cast<unsigned char>(s[0]) == 0xEF &&
      static_cast<unsigned char>(s[1]) == 0xBB && static_cast<unsigned char>(s[2]) == 0xBF)
    s.remove_prefix(3);
  return s;
}

std::string hex_byte(unsigned char c) {
  char b[8];
  std::snprintf(b, sizeof b, "0x%02X", c);
  return b;
}

}  // namespace qb
