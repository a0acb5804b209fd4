// Pieces shared by the per-tool prediction readers (suites/prediction_readers.h).
#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "common/atomic_file.h"
#include "common/json_number_overflow.h"
#include "common/utf8.h"
#include "suites/json_records.h"
#include "suites/prediction_readers.h"
#include "suites/text_util.h"

namespace qb::prediction_readers {

std::string where_of(const RecordLocation& loc) {
  if (loc.line > 0) return "line " + std::to_string(loc.line);
  return "record " + std::to_string(loc.record);
}

ForeignPrediction record_at(const RecordLocation& loc, long position) {
  ForeignPrediction r;
  r.file = loc.file;
  r.where = where_of(loc);
  r.position = position;
  return r;
}

CsvTable::CsvTable(const fs::path& path)
    : file_(path.string()), in_(path, std::ios::binary), reader_(in_, file_) {
  if (!in_) throw error_in_file(file_, "cannot open the file for reading");
  CsvRecord rec;
  if (!reader_.next(rec)) throw error_in_file(file_, "empty file: no header and no rows");
  header_line_ = rec.line;
  for (const auto& f : rec.fields) {
    header_.emplace_back(trim(f));
    if (!columns_.emplace(header_.back(), header_.size() - 1).second && !header_.back().empty())
      throw error_at_line(file_, rec.line, "column '" + header_.back() + "' appears twice in the header");
  }
}

std::optional<size_t> CsvTable::column(const std::string& name) const {
  auto it = columns_.find(name);
  if (it == columns_.end()) return std::nullopt;
  return it->second;
}

bool CsvTable::next(CsvRecord& row, ForeignPrediction& where) {
  if (!reader_.next(row)) return false;
  where.file = file_;
  where.where = "line " + std::to_string(row.line);
  if (row.fields.size() != header_.size())
    throw where.error("expected " + std::to_string(header_.size()) + " fields (as in the header), found " +
                      std::to_string(row.fields.size()));
  return true;
}

void for_each_json_object(const fs::path& path,
                          const std::function<void(const nlohmann::json&, const RecordLocation&)>& fn) {
  ReadReport report;
  for_each_json_record(path, ReadOptions{}, report, fn);
}

nlohmann::json read_json_document(const fs::path& path) {
  const std::string file = path.string();
  if (!fs::exists(path)) throw error_in_file(file, "no such file");
  const std::string content = read_file(path);
  reject_utf16(content, file);
  const std::string_view text = strip_bom(content);
  auto line_at = [&](size_t offset) {
    return 1 + static_cast<long>(std::count(text.begin(), text.begin() + std::min(offset, text.size()), '\n'));
  };
  if (auto bad = first_invalid_utf8(text)) throw error_at_line(file, line_at(*bad), "invalid UTF-8");
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) throw error_in_file(file, "empty file");
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::out_of_range& e) {
    const auto o = locate_number_overflow(text, e);
    throw error_at_line(file, line_at(o.offset), o.problem());
  } catch (const nlohmann::json::parse_error& e) {
    std::string m = e.what();
    if (auto p = m.find(": "); p != std::string::npos) m = m.substr(p + 2);
    const bool truncated = m.find("unexpected end of input") != std::string::npos;
    throw error_at_line(file, line_at(e.byte > 0 ? e.byte - 1 : 0),
                        truncated ? "truncated JSON: the file ends inside a value" : "invalid JSON: " + m);
  }
}

const nlohmann::json* find_field(const nlohmann::json& j, const std::string& path) {
  if (!j.is_object()) return nullptr;
  if (auto it = j.find(path); it != j.end()) return &*it;
  const nlohmann::json* at = &j;
  size_t start = 0;
  while (start <= path.size()) {
    const size_t dot = path.find('.', start);
    const std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!at->is_object()) return nullptr;
    auto it = at->find(key);
    if (it == at->end()) return nullptr;
    at = &*it;
    if (dot == std::string::npos) return at;
    start = dot + 1;
  }
  return nullptr;
}

std::string text_of(const nlohmann::json& v, const std::string& field, const ForeignPrediction& at) {
  if (v.is_null()) return "";
  if (!v.is_string())
    throw at.error("field '" + field + "' is " + std::string(v.type_name()) + ", expected a string");
  return v.get<std::string>();
}

std::string scalar_text_of(const nlohmann::json& v, const std::string& field, const ForeignPrediction& at) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<long long>());
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 1e15) return std::to_string(static_cast<long long>(d));
  }
  throw at.error("field '" + field + "' is " + (v.is_number() ? std::string("a fractional number") : v.type_name()) +
                 ", expected a string or an integer");
}

double number_of(const nlohmann::json& v, const std::string& field, const ForeignPrediction& at) {
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    char* end = nullptr;
    const double d = std::strtod(s.c_str(), &end);
    if (!s.empty() && end == s.c_str() + s.size() && !std::isnan(d)) return d;
    throw at.error("field '" + field + "' holds " + shown(s) + ", expected a number");
  }
  throw at.error("field '" + field + "' is " + std::string(v.type_name()) + ", expected a number");
}

void sort_by_position(ForeignPredictions& p) {
  std::stable_sort(p.records.begin(), p.records.end(),
                   [](const ForeignPrediction& a, const ForeignPrediction& b) { return a.position < b.position; });
  for (size_t i = 1; i < p.records.size(); ++i) {
    const ForeignPrediction& a = p.records[i - 1];
    const ForeignPrediction& b = p.records[i];
    if (a.position == b.position)
      throw b.error("item number " + std::to_string(b.position) + " (0-based, as the tool numbers items) appears twice (also at " + a.where +
                    (a.file != b.file ? " of " + a.file : std::string()) + ")");
  }
}

}  // namespace qb::prediction_readers
