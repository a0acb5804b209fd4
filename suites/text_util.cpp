#include "suites/text_util.h"

#include <unicode/utf8.h>

#include "common/error.h"

namespace qb {

std::string_view trim(std::string_view s) {
  static constexpr std::string_view kIdeographicSpace = "\xE3\x80\x80";
  for (;;) {
    if (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n'))
      s.remove_prefix(1);
    else if (s.substr(0, 3) == kIdeographicSpace)
      s.remove_prefix(3);
    else
      break;
  }
  for (;;) {
    if (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
      s.remove_suffix(1);
    else if (s.size() >= 3 && s.substr(s.size() - 3) == kIdeographicSpace)
      s.remove_suffix(3);
    else
      break;
  }
  return s;
}

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out += sep;
    out += parts[i];
  }
  return out;
}

std::string shown(std::string_view s, size_t max_chars) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  int32_t len = static_cast<int32_t>(s.size()), i = 0;
  size_t n = 0;
  while (i < len && n < max_chars) {
    UChar32 c;
    U8_NEXT(p, i, len, c);
    ++n;
  }
  std::string out = "'" + std::string(s.substr(0, static_cast<size_t>(i)));
  if (i < len) out += "...";
  return out + "'";
}

void reject_utf16(std::string_view head, const std::string& file) {
  if (head.size() >= 2 && ((head[0] == '\xFF' && head[1] == '\xFE') || (head[0] == '\xFE' && head[1] == '\xFF')))
    throw error_in_file(file, "the file is UTF-16 (it starts with a UTF-16 byte-order mark); save it as UTF-8");
}

}  // namespace qb
