// How a reader treats bad records, and what it reports back.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "common/error.h"

namespace qb {

struct ReadOptions {
  // false (the default): the first bad record throws qb::InputError.
  // true: bad records are skipped, each one's error is collected in ReadReport.
  bool lenient = false;
  // In lenient mode at most this many error messages are kept (all are counted),
  // so a badly broken multi-GB file cannot exhaust memory.
  size_t max_errors_kept = 1000;
};

struct ReadReport {
  std::string layout;                // which accepted layout the file turned out to be
  std::vector<std::string> columns;  // CSV header, or the keys of the first JSON record
  long records_read = 0;            // records returned to the caller
  long records_skipped = 0;         // bad records skipped (lenient mode only)
  std::vector<InputError> errors;   // why each was skipped (first max_errors_kept)

  // Strict mode rethrows `e`; lenient mode records it and returns.
  void fail(const InputError& e, const ReadOptions& opts);
};

// Where a record sits in its file, for error messages: CSV and JSONL name the
// physical line where the record starts; a JSON list names the 1-based record index.
struct RecordLocation {
  std::string file;
  long line = 0;    // > 0 for line-based formats
  long record = 0;  // 1-based index among the file's records
  InputError error(const std::string& problem) const;
};

}  // namespace qb
