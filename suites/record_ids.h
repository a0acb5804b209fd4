// Assigns record ids and rejects duplicates: a record's own id when it has one,
// else its 1-based record number.
#pragma once

#include <string>
#include <unordered_map>

#include "suites/read_options.h"

namespace qb {

class RecordIds {
 public:
  // Returns the id to use; throws "duplicate id 'x' (first used at line/record N)".
  std::string assign(const std::string& own_id, const RecordLocation& loc);

 private:
  std::unordered_map<std::string, std::string> seen_;  // id -> where first used
};

}  // namespace qb
