#include "suites/read_options.h"

namespace qb {

void ReadReport::fail(const InputError& e, const ReadOptions& opts) {
  if (!opts.lenient) throw e;
  ++records_skipped;
  if (errors.size() < opts.max_errors_kept) errors.push_back(e);
}

InputError RecordLocation::error(const std::string& problem) const {
  if (line > 0) return error_at_line(file, line, problem);
  if (record > 0) return error_at_record(file, record, problem);
  return error_in_file(file, problem);
}

}  // namespace qb
