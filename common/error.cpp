#include "common/error.h"

namespace qb {

static std::string compose(const std::string& file, const std::string& where,
                           const std::string& problem) {
  std::string s = file.empty() ? std::string("<input>") : file;
  if (!where.empty()) s += ": " + where;
  s += ": " + problem;
  return s;
}

InputError::InputError(std::string file, std::string where, std::string problem)
    : std::runtime_error(compose(file, where, problem)),
      file_(std::move(file)),
      where_(std::move(where)),
      problem_(std::move(problem)) {}

InputError error_at_line(const std::string& file, long line, const std::string& problem) {
  return InputError(file, "line " + std::to_string(line), problem);
}

InputError error_at_record(const std::string& file, long record, const std::string& problem) {
  return InputError(file, "record " + std::to_string(record), problem);
}

InputError error_in_file(const std::string& file, const std::string& problem) {
  return InputError(file, "", problem);
}

}  // namespace qb
