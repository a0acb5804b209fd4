// The result of reading a whole data file: its records and the reader's report.
#pragma once

#include <vector>

#include "suites/read_options.h"

namespace qb {

template <class Record>
struct Dataset {
  std::vector<Record> records;
  ReadReport report;
};

}  // namespace qb
