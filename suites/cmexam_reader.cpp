#include "suites/cmexam_reader.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <unordered_map>

#include "suites/csv_reader.h"
#include "suites/text_util.h"

namespace qb {

namespace {

// Separators accepted between an option letter and its text: "A text" is the CMExam
// form; "A.", "A．", "A、", "A:", "A：" appear in other exports of the same questions.
size_t option_separator_length(std::string_view rest) {
  for (std::string_view sep : {" ", ".", ":", "\t", "\xEF\xBC\x8E" /*．*/, "\xE3\x80\x81" /*、*/,
                               "\xEF\xBC\x9A" /*：*/, "\xE3\x80\x80" /*ideographic space*/})
    if (rest.substr(0, sep.size()) == sep) return sep.size();
  return 0;
}

std::vector<std::string_view> split_option_lines(std::string_view cell) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  for (size_t i = 0; i <= cell.size();) {
    size_t sep = 0;
    if (i == cell.size()) {
      sep = 1;
    } else if (cell[i] == '\n') {
      sep = 1;
    } else if (cell[i] == '\\' && i + 1 < cell.size() && cell[i + 1] == 'n') {
      sep = 2;  // the 4-column variant's literal backslash-n
    }
    if (sep) {
      lines.push_back(cell.substr(start, i - start));
      i += sep;
      start = i;
    } else {
      ++i;
    }
  }
  return lines;
}

std::string letters_list(const std::map<char, std::string>& options) {
  std::vector<std::string> ls;
  for (const auto& [letter, text] : options) ls.emplace_back(1, letter);
  return join(ls, ", ");
}

}  // namespace

std::map<char, std::string> parse_cmexam_options(const std::string& cell, const RecordLocation& where) {
  std::map<char, std::string> options;
  int n = 0;
  for (std::string_view raw : split_option_lines(cell)) {
    ++n;
    std::string_view line = raw;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);  // CRLF inside the cell
    if (trim(line).empty()) continue;
    char letter = line[0];
    size_t sep = (letter >= 'A' && letter <= 'Z') ? option_separator_length(line.substr(1)) : 0;
    if (sep == 0)
      throw where.error("option line " + std::to_string(n) + " " + shown(trim(line)) +
                        " does not start with a letter A-Z and a space");
    // The text is kept verbatim past the separator (a few real options end in U+3000 or U+2003), so the
    // rebuilt Options block, and with it the prompt, matches Qilin-Med's byte for byte.
    std::string_view text = line.substr(1 + sep);
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);  // "A. x"
    if (trim(text).empty()) throw where.error(std::string("option ") + letter + " has no text");
    if (options.count(letter)) throw where.error(std::string("option ") + letter + " appears twice");
    options.emplace(letter, std::string(text));
  }
  if (options.empty()) throw where.error("no options (the Options cell is empty)");
  return options;
}

std::string parse_cmexam_answer(const std::string& cell, const std::map<char, std::string>& options,
                                const RecordLocation& where) {
  std::string_view a = trim(cell);
  if (a.empty()) throw where.error("missing answer (the Answer cell is empty)");
  std::string lower(a);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower == "nan")
    throw where.error("missing answer (the Answer cell reads " + shown(a) +
                      ", how pandas writes an empty cell)");
  std::set<char> letters;
  for (size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c == ',' || c == ' ') continue;
    if (a.substr(i, 3) == "\xEF\xBC\x8C" || a.substr(i, 3) == "\xE3\x80\x81") {  // ， 、
      i += 2;
      continue;
    }
    if (c < 'A' || c > 'Z')
      throw where.error("answer " + shown(a) + " is not a set of option letters A-Z");
    if (!options.count(c)) {
      if (a.size() == 1)
        throw where.error("answer " + shown(a) + " names no option (options: " + letters_list(options) + ")");
      throw where.error("answer " + shown(a) + ": letter '" + std::string(1, c) +
                        "' names no option (options: " + letters_list(options) + ")");
    }
    letters.insert(c);
  }
  return std::string(letters.begin(), letters.end());
}

ReadReport for_each_cmexam(const std::filesystem::path& path,
                           const std::function<void(CMExamQuestion&&)>& fn, const ReadOptions& opts) {
  const std::string file = path.string();
  std::ifstream in(path, std::ios::binary);
  if (!in) throw error_in_file(file, "cannot open the file for reading");
  CsvReader csv(in, file);
  ReadReport report;

  CsvRecord rec;
  if (!csv.next(rec)) throw error_in_file(file, "empty file: no header and no records");
  std::vector<std::string> header;
  for (const auto& f : rec.fields) header.emplace_back(trim(f));
  report.columns = header;
  const long header_line = rec.line;

  std::unordered_map<std::string, size_t> col;
  for (size_t i = 0; i < header.size(); ++i) {
    if (!col.emplace(header[i], i).second)
      throw error_at_line(file, header_line, "column '" + header[i] + "' appears twice in the header");
  }
  std::vector<std::string> missing;
  for (const char* name : kCMExamRequiredColumns)
    if (!col.count(name)) missing.emplace_back(name);
  if (!missing.empty())
    throw error_at_line(file, header_line,
                        "missing column" + std::string(missing.size() > 1 ? "s " : " ") + join(missing, ", ") +
                            " (the header has: " + join(header, ", ") + ")");
  const size_t c_question = col["Question"], c_options = col["Options"], c_answer = col["Answer"],
               c_expl = col["Explanation"];
  const auto id_it = col.find("id") != col.end() ? col.find("id") : col.find("ID");
  const bool has_id = id_it != col.end();
  const size_t c_id = has_id ? id_it->second : 0;
  report.layout = header.size() == 9 ? "cmexam-9col"
                  : header.size() == 4 ? "cmexam-4col"
                                       : "cmexam-" + std::to_string(header.size()) + "col";

  std::unordered_map<std::string, long> seen_ids;  // id -> line
  long data_rows = 0;
  RecordLocation loc;
  loc.file = file;
  for (;;) {
    try {
      if (!csv.next(rec)) break;
    } catch (const InputError& e) {
      ++data_rows;
      report.fail(e, opts);
      continue;  // the reader has resynchronised at the next line (or reached the end)
    }
    ++data_rows;
    loc.line = rec.line;
    loc.record = data_rows;
    try {
      if (rec.fields.size() != header.size())
        throw loc.error("expected " + std::to_string(header.size()) + " fields (as in the header), found " +
                        std::to_string(rec.fields.size()));
      CMExamQuestion q;
      q.line = rec.line;
      q.question = rec.fields[c_question];  // verbatim: it is the start of the prompt
      if (trim(q.question).empty()) throw loc.error("empty question");
      q.options = parse_cmexam_options(rec.fields[c_options], loc);
      q.answer = parse_cmexam_answer(rec.fields[c_answer], q.options, loc);
      q.explanation = std::string(trim(rec.fields[c_expl]));
      if (has_id) {
        q.id = std::string(trim(rec.fields[c_id]));
        if (q.id.empty()) throw loc.error("empty id");
        auto [it, fresh] = seen_ids.emplace(q.id, rec.line);
        if (!fresh)
          throw loc.error("duplicate id " + shown(q.id) + " (first used at line " + std::to_string(it->second) +
                          ")");
      } else {
        q.id = std::to_string(data_rows);
      }
      for (size_t i = 0; i < header.size(); ++i) {
        if (i == c_question || i == c_options || i == c_answer || i == c_expl || (has_id && i == c_id)) continue;
        q.annotations.emplace(header[i], std::string(trim(rec.fields[i])));
      }
      fn(std::move(q));
      ++report.records_read;
    } catch (const InputError& e) {
      report.fail(e, opts);
    }
  }
  if (data_rows == 0) throw error_in_file(file, "no records: the file holds only a header");
  return report;
}

Dataset<CMExamQuestion> read_cmexam(const std::filesystem::path& path, const ReadOptions& opts) {
  Dataset<CMExamQuestion> ds;
  ds.report = for_each_cmexam(path, [&](CMExamQuestion&& q) { ds.records.push_back(std::move(q)); }, opts);
  return ds;
}

}  // namespace qb
