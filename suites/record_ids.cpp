#include "suites/record_ids.h"

#include "suites/text_util.h"

namespace qb {

std::string RecordIds::assign(const std::string& own_id, const RecordLocation& loc) {
  if (own_id.empty()) return std::to_string(loc.record);
  std::string where = loc.line > 0 ? "line " + std::to_string(loc.line) : "record " + std::to_string(loc.record);
  auto [it, fresh] = seen_.emplace(own_id, where);
  if (!fresh) throw loc.error("duplicate id " + shown(own_id) + " (first used at " + it->second + ")");
  return own_id;
}

}  // namespace qb
