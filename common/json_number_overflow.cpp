#include "common/json_number_overflow.h"

#include <algorithm>

namespace qb {

JsonNumberOverflow locate_number_overflow(std::string_view text, const nlohmann::json::out_of_range& e) {
  JsonNumberOverflow o;
  const std::string_view what = e.what();
  const size_t open = what.find('\'');
  const size_t close = what.rfind('\'');
  if (open != std::string_view::npos && close > open) o.literal = std::string(what.substr(open + 1, close - open - 1));
  if (o.literal.empty()) o.literal = std::string(what);
  const size_t at = text.find(o.literal);
  o.offset = at == std::string_view::npos ? 0 : at;
  return o;
}

long line_of_offset_in(std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  return 1 + static_cast<long>(std::count(text.begin(), text.begin() + offset, '\n'));
}

}  // namespace qb
