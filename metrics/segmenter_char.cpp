#include "metrics/segmenter_char.h"

#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/utf8.h>

#include "metrics/segmenter_utf8.h"

namespace qb {

namespace {

bool is_word_char(UChar32 c) {
  if (c < 0x80) return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
  if (u_charType(c) == U_DECIMAL_DIGIT_NUMBER) return true;
  if (!u_isalpha(c)) return false;
  UErrorCode status = U_ZERO_ERROR;
  return uscript_getScript(c, &status) == USCRIPT_LATIN && U_SUCCESS(status);
}

bool is_mark(UChar32 c) { return c >= 0x300 && (U_GET_GC_MASK(c) & U_GC_M_MASK) != 0; }

bool is_space(UChar32 c) {
  if (c < 0x80) return c == ' ' || (c >= '\t' && c <= '\r');
  return u_hasBinaryProperty(c, UCHAR_WHITE_SPACE);
}

}  // namespace

std::vector<std::string> CharSegmenter::segment(std::string_view text) const {
  std::vector<TokenSpan> spans;
  segment_spans(text, spans);
  std::vector<std::string> tokens;
  tokens.reserve(spans.size());
  for (const TokenSpan& t : spans) tokens.emplace_back(text.substr(t.begin, t.end - t.begin));
  return tokens;
}

void CharSegmenter::segment_spans(std::string_view text, std::vector<TokenSpan>& out) const {
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  const int32_t len = static_cast<int32_t>(text.size());
  int32_t i = 0;
  while (i < len) {
    const int32_t start = i;
    UChar32 c = next_code_point(p, i, len);
    if (is_space(c)) continue;
    if (is_word_char(c)) {
      int32_t end = i;
      while (end < len) {
        int32_t j = end;
        UChar32 d = next_code_point(p, j, len);
        if (!is_word_char(d) && !is_mark(d)) break;
        end = j;
      }
      i = end;
    }
    out.push_back({static_cast<uint32_t>(start), static_cast<uint32_t>(i)});
  }
}

}  // namespace qb
