// Reads the Python literal files jieba's finalseg model is stored in: an assignment
// "P = {...}" of (nested) dicts with string keys and float values. Only that subset of
// Python is understood; anything else is an InputError naming the file and line.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace qb {

struct PyLiteral {
  bool is_dict = false;
  double number = 0;
  std::vector<std::pair<std::string, PyLiteral>> items;  // keys as UTF-8, in file order

  // The value under `key`, or nullptr.
  const PyLiteral* get(std::string_view key) const;
};

// Parses the value assigned to `name` (e.g. "P") in `text`; `file` names it in errors.
PyLiteral parse_python_assignment(std::string_view text, std::string_view name, const std::string& file);

}  // namespace qb
