#include "suites/dcpt_reader.h"

#include <optional>

#include "suites/json_fields.h"
#include "suites/json_records.h"
#include "suites/text_lines.h"
#include "suites/text_util.h"

namespace qb {

namespace {

ReadReport read_jsonl(const std::filesystem::path& path, const std::function<void(DcptDocument&&)>& fn,
                      const ReadOptions& opts) {
  ReadReport report;
  report.layout = "dcpt-jsonl";
  for_each_json_record(path, opts, report, [&](const nlohmann::json& j, const RecordLocation& loc) {
    if (report.columns.empty()) report.columns = json_keys(j);
    DcptDocument d;
    d.line = loc.line;
    d.text = json_string(j, "text", loc);
    if (trim(d.text).empty()) throw loc.error("empty text");
    fn(std::move(d));
    ++report.records_read;
  });
  return report;
}

DcptSplit choose_split(const std::filesystem::path& path) {
  long blank = 0, text = 0;
  for_each_text_line(path, [&](long, std::string_view t) { ++(blank_line(t) ? blank : text); });
  return (text > 0 && blank * 10 >= text) ? DcptSplit::kParagraphs : DcptSplit::kLines;
}

}  // namespace

ReadReport for_each_dcpt(const std::filesystem::path& path, const std::function<void(DcptDocument&&)>& fn,
                         const DcptOptions& opts) {
  const char first = first_nonblank_char(path);
  if (first == 0) throw error_in_file(path.string(), "empty file: no text");
  if (first == '{') return read_jsonl(path, fn, opts.read);

  DcptSplit split = opts.split == DcptSplit::kAuto ? choose_split(path) : opts.split;
  ReadReport report;
  report.layout = split == DcptSplit::kParagraphs ? "dcpt-paragraphs" : "dcpt-lines";
  RecordLocation loc;
  loc.file = path.string();

  // Paragraph mode: the document being built, and the first error inside it (a bad line
  // spoils its whole paragraph).
  DcptDocument para;
  std::optional<InputError> para_error;
  auto flush = [&] {
    if (para.line == 0) return;
    if (para_error) {
      report.fail(*para_error, opts.read);
    } else {
      fn(std::move(para));
      ++report.records_read;
    }
    para = DcptDocument{};
    para_error.reset();
  };

  for_each_text_line(path, [&](long n, std::string_view t) {
    if (blank_line(t)) {
      if (split == DcptSplit::kParagraphs) flush();
      return;
    }
    loc.line = n;
    if (split == DcptSplit::kLines) {
      try {
        check_utf8_line(t, loc);
        fn(DcptDocument{n, std::string(t)});
        ++report.records_read;
      } catch (const InputError& e) {
        report.fail(e, opts.read);
      }
      return;
    }
    if (para.line == 0) {
      para.line = n;
      ++loc.record;
    } else {
      para.text += '\n';
    }
    try {
      check_utf8_line(t, loc);
    } catch (const InputError& e) {
      if (!opts.read.lenient) throw;
      if (!para_error) para_error = e;
    }
    para.text += t;
  });
  if (split == DcptSplit::kParagraphs) flush();
  return report;
}

Dataset<DcptDocument> read_dcpt(const std::filesystem::path& path, const DcptOptions& opts) {
  Dataset<DcptDocument> ds;
  ds.report = for_each_dcpt(path, [&](DcptDocument&& x) { ds.records.push_back(std::move(x)); }, opts);
  return ds;
}

}  // namespace qb
