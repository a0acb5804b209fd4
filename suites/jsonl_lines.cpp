#include "suites/jsonl_lines.h"
#include "common/json_number_overflow.h"

#include "common/error.h"

namespace qb {

JsonlLines::JsonlLines(const std::string& path) : path_(path), in_(path, std::ios::binary) {
  if (!in_) throw error_in_file(path, "cannot open file");
}

bool JsonlLines::next(std::vector<std::string>& lines, std::vector<long>& line_nos, size_t max) {
  if (blank_error_) throw error_at_line(path_, blank_since_, "blank line inside a JSONL file");
  size_t n = 0;
  if (lines.size() < max) lines.resize(max);
  line_nos.clear();
  while (n < max && std::getline(in_, lines[n])) {
    std::string& line = lines[n];
    ++line_no_;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) {
      if (!blank_since_) blank_since_ = line_no_;
      continue;
    }
    if (blank_since_) {
      blank_error_ = true;
      break;
    }
    if (line_no_ == 1 && line.compare(0, 3, "\xEF\xBB\xBF") == 0) line.erase(0, 3);
    line_nos.push_back(line_no_);
    ++n;
    ++records_;
  }
  if (n == 0 && blank_error_) throw error_at_line(path_, blank_since_, "blank line inside a JSONL file");
  if (n == 0 && records_ == 0) throw error_in_file(path_, "no records (empty file)");
  return n > 0;
}

nlohmann::json parse_jsonl_object(const std::string& line, const std::string& path, long line_no) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(line);
  } catch (const nlohmann::json::parse_error& e) {
    throw error_at_line(path, line_no, std::string("invalid JSON: ") + e.what());
  } catch (const nlohmann::json::out_of_range& e) {
    throw error_at_line(path, line_no, locate_number_overflow(line, e).problem());
  }
  if (!j.is_object()) throw error_at_line(path, line_no, "expected a JSON object");
  return j;
}

std::string prediction_text_field(const nlohmann::json& j, const char* name, const std::string& path, long line) {
  auto it = j.find(name);
  if (it == j.end()) throw error_at_line(path, line, std::string("missing field '") + name + "'");
  if (it->is_null()) return "";
  if (!it->is_string()) throw error_at_line(path, line, std::string("field '") + name + "' is not a string");
  return it->get<std::string>();
}

std::string prediction_item_id(const nlohmann::json& j, const std::string& path, long line, long record) {
  auto it = j.find("id");
  if (it == j.end() || it->is_null()) return std::to_string(record);
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<long long>());
  throw error_at_line(path, line, "field 'id' is neither a string nor an integer");
}

}  // namespace qb
