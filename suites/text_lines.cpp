#include "suites/text_lines.h"

#include <cstdio>
#include <fstream>
#include <string>

#include "common/utf8.h"
#include "suites/text_util.h"

namespace qb {

void for_each_text_line(const std::filesystem::path& path, const std::function<void(long, std::string_view)>& fn) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw error_in_file(path.string(), "cannot open the file for reading");
  std::string line;
  long n = 0;
  while (std::getline(in, line)) {
    ++n;
    std::string_view t = line;
    if (n == 1) {
      reject_utf16(t, path.string());
      t = strip_bom(t);
    }
    if (!t.empty() && t.back() == '\r') t.remove_suffix(1);
    fn(n, t);
  }
}

void check_utf8_line(std::string_view text, const RecordLocation& loc) {
  if (auto bad = first_invalid_utf8(text)) {
    char b[8];
    std::snprintf(b, sizeof b, "0x%02X", static_cast<unsigned char>(text[*bad]));
    throw loc.error(std::string("invalid UTF-8 (byte ") + b + " at column " + std::to_string(*bad + 1) + ")");
  }
}

bool blank_line(std::string_view text) { return trim(text).empty(); }

}  // namespace qb
