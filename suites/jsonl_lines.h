// The records of a JSONL file, streamed in batches of lines with their line numbers, for
// readers that parse and score many records on several threads (`qilin-bench score`). Blank
// lines are allowed only at the end of the file: a record after one is an error, thrown by the
// next call after the lines before it were handed out (so an error on an earlier line is
// reported first). A UTF-8 BOM on the first line is dropped; "\r\n" line ends are accepted.
#pragma once

#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace qb {

class JsonlLines {
 public:
  // InputError naming the file when it cannot be opened.
  explicit JsonlLines(const std::string& path);
  // Replaces `lines`/`line_nos` with up to `max` records; false when none are left. An empty
  // file is an InputError ("no records").
  bool next(std::vector<std::string>& lines, std::vector<long>& line_nos, size_t max);
  long records() const { return records_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::ifstream in_;
  long line_no_ = 0, blank_since_ = 0, records_ = 0;
  bool blank_error_ = false;
};

// One record: a JSON object, or an InputError naming the file and line.
nlohmann::json parse_jsonl_object(const std::string& line, const std::string& path, long line_no);

// Streams the JSON objects of a JSONL file: fn(object, line number, 1-based record number).
template <class Fn>
void for_each_jsonl_object(const std::string& path, Fn&& fn) {
  JsonlLines reader(path);
  std::vector<std::string> lines;
  std::vector<long> line_nos;
  long record = 0;
  while (reader.next(lines, line_nos, 256))
    for (size_t i = 0; i < line_nos.size(); ++i) fn(parse_jsonl_object(lines[i], path, line_nos[i]), line_nos[i], ++record);
}

// A prediction record's text field; null counts as "" (an empty output scores 0 and is counted,
// never dropped). InputError naming the line when missing or not a string.
std::string prediction_text_field(const nlohmann::json& j, const char* name, const std::string& path, long line);

// The item id: `id` (string or integer) if present, else the 1-based record number.
std::string prediction_item_id(const nlohmann::json& j, const std::string& path, long line, long record);

}  // namespace qb
