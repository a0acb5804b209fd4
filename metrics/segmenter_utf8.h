// Code-point decoding shared by the segmenters: ICU's U8_NEXT, with ill-formed
// UTF-8 reported as an error instead of being silently replaced.
#pragma once

#include <unicode/utf8.h>

#include <cstdint>
#include <string>

#include "common/error.h"

namespace qb {

// Decodes the code point at p[i] and advances i; throws InputError on ill-formed UTF-8.
inline UChar32 next_code_point(const uint8_t* p, int32_t& i, int32_t len) {
  const int32_t start = i;
  UChar32 c;
  U8_NEXT(p, i, len, c);
  if (c < 0)
    throw InputError("<text>", "byte " + std::to_string(start), "ill-formed UTF-8 sequence");
  return c;
}

}  // namespace qb
