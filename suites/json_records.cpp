#include "suites/json_records.h"
#include "common/json_number_overflow.h"

#include <cstdio>
#include <fstream>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/utf8.h"
#include "suites/text_util.h"

namespace qb {

namespace {

bool is_blank(std::string_view s) {
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
  return true;
}

const char* type_name(const nlohmann::json& j) { return j.type_name(); }

// nlohmann's message minus its "[json.exception.parse_error.101] parse error at line 1, column 5: "
// prefix, which would repeat (and misstate) the location we already give.
std::string syntax_problem(const nlohmann::json::parse_error& e) {
  std::string m = e.what();
  auto p = m.find(": ");
  if (p != std::string::npos) m = m.substr(p + 2);
  return m;
}

// Input that stops inside a value: nlohmann says "unexpected end of input", or fails on
// the last token (an unclosed string) at the very end of the text.
bool is_truncation(const nlohmann::json::parse_error& e, size_t text_size) {
  std::string_view m = e.what();
  if (m.find("unexpected end of input") != std::string_view::npos) return true;
  return e.byte >= text_size && m.find("expected end of input") == std::string_view::npos;
}

std::ifstream open_or_throw(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw error_in_file(path.string(), "cannot open the file for reading");
  return in;
}

// A pretty-printed single object looks like JSONL whose first line is truncated; tell
// the user what the file really is (only files small enough to parse whole are checked).
bool whole_file_is_one_value(const std::filesystem::path& path) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec || size > (256u << 20)) return false;
  std::ifstream in(path, std::ios::binary);
  return nlohmann::json::accept(in);
}

void read_lines(const std::filesystem::path& path, const ReadOptions& opts, ReadReport& report,
                const std::function<void(const nlohmann::json&, const RecordLocation&)>& fn) {
  std::ifstream in = open_or_throw(path);
  std::string line;
  RecordLocation loc;
  loc.file = path.string();
  long line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    std::string_view text = line;
    if (line_no == 1) {
      reject_utf16(text, path.string());
      text = strip_bom(text);
    }
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (is_blank(text)) continue;
    ++loc.record;
    loc.line = line_no;
    try {
      if (auto bad = first_invalid_utf8(text))
        throw loc.error("invalid UTF-8 (byte " + hex_byte(static_cast<unsigned char>(text[*bad])) +
                        " at column " + std::to_string(*bad + 1) + ")");
      nlohmann::json j;
      try {
        j = nlohmann::json::parse(text);
      } catch (const nlohmann::json::out_of_range& e) {
        throw loc.error(locate_number_overflow(text, e).problem());
      } catch (const nlohmann::json::parse_error& e) {
        if (is_truncation(e, text.size())) {
          if (loc.record == 1 && whole_file_is_one_value(path))
            throw error_in_file(loc.file,
                                "one JSON object spread over several lines; expected JSONL (one object per "
                                "line) or a JSON list of objects");
          throw loc.error("truncated JSON: the line ends inside a value");
        }
        throw loc.error("invalid JSON at column " + std::to_string(e.byte) + ": " + syntax_problem(e));
      }
      if (!j.is_object())
        throw loc.error(std::string("expected a JSON object, found ") + type_name(j));
      fn(j, loc);
    } catch (const InputError& e) {
      report.fail(e, opts);
    }
  }
  if (loc.record == 0) throw error_in_file(path.string(), "empty file: no records");
}

long line_of_offset(std::string_view s, size_t offset) {
  long line = 1;
  for (size_t i = 0; i < offset && i < s.size(); ++i)
    if (s[i] == '\n') ++line;
  return line;
}

void read_list(const std::filesystem::path& path, const ReadOptions& opts, ReadReport& report,
               const std::function<void(const nlohmann::json&, const RecordLocation&)>& fn) {
  const std::string content = read_file(path);
  reject_utf16(content, path.string());
  std::string_view text = strip_bom(content);
  const std::string file = path.string();
  if (auto bad = first_invalid_utf8(text))
    throw error_at_line(file, line_of_offset(text, *bad),
                        "invalid UTF-8 (byte " + hex_byte(static_cast<unsigned char>(text[*bad])) + ")");
  nlohmann::json all;
  try {
    all = nlohmann::json::parse(text);
  } catch (const nlohmann::json::out_of_range& e) {
    const auto o = locate_number_overflow(text, e);
    throw error_at_line(file, line_of_offset(text, o.offset), o.problem());
  } catch (const nlohmann::json::parse_error& e) {
    if (is_truncation(e, text.size()))
      throw error_at_line(file, line_of_offset(text, text.size()),
                          "truncated JSON: the file ends inside the list");
    size_t at = e.byte > 0 ? e.byte - 1 : 0;
    throw error_at_line(file, line_of_offset(text, at), "invalid JSON: " + syntax_problem(e));
  }
  if (!all.is_array())
    throw error_in_file(file, std::string("expected a JSON list of records, found ") + type_name(all));
  if (all.empty()) throw error_in_file(file, "empty list: no records");
  RecordLocation loc;
  loc.file = file;
  for (const auto& j : all) {
    ++loc.record;
    try {
      if (!j.is_object())
        throw loc.error(std::string("expected a JSON object, found ") + type_name(j));
      fn(j, loc);
    } catch (const InputError& e) {
      report.fail(e, opts);
    }
  }
}

}  // namespace

char first_nonblank_char(const std::filesystem::path& path) {
  std::ifstream in = open_or_throw(path);
  char buf[4096];
  bool first = true;
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    std::string_view chunk(buf, static_cast<size_t>(in.gcount()));
    if (first) {
      reject_utf16(chunk, path.string());
      chunk = strip_bom(chunk);
    }
    first = false;
    for (char c : chunk)
      if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return c;
  }
  return 0;
}

JsonLayout detect_json_layout(const std::filesystem::path& path) {
  char c = first_nonblank_char(path);
  if (c == 0) throw error_in_file(path.string(), "empty file: no records");
  return c == '[' ? JsonLayout::kList : JsonLayout::kLines;
}

void for_each_json_record(const std::filesystem::path& path, const ReadOptions& opts,
                          ReadReport& report,
                          const std::function<void(const nlohmann::json&, const RecordLocation&)>& fn) {
  if (detect_json_layout(path) == JsonLayout::kList)
    read_list(path, opts, report, fn);
  else
    read_lines(path, opts, report, fn);
}

}  // namespace qb
