// Errors about user input: every one names the file, where in it, and what is wrong.
#pragma once

#include <stdexcept>
#include <string>

namespace qb {

// Thrown for bad input (data files, configs, checkpoints, command-line values).
// what() reads "FILE: WHERE: PROBLEM", e.g. "val.csv: line 12: answer 'F' names no option".
// The CLI turns it into exit code 2; nothing already written is touched.
class InputError : public std::runtime_error {
 public:
  InputError(std::string file, std::string where, std::string problem);

  const std::string& file() const { return file_; }
  const std::string& where() const { return where_; }
  const std::string& problem() const { return problem_; }

 private:
  std::string file_, where_, problem_;
};

// Convenience constructors for the usual locations.
InputError error_at_line(const std::string& file, long line, const std::string& problem);
InputError error_at_record(const std::string& file, long record, const std::string& problem);
InputError error_in_file(const std::string& file, const std::string& problem);

// A feature that is planned but not built yet; the CLI prints it and exits 3.
class NotBuiltError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace qb
