#include "suites/rag_reader.h"

#include "suites/json_fields.h"
#include "suites/json_records.h"
#include "suites/record_ids.h"
#include "suites/text_lines.h"
#include "suites/text_util.h"

namespace qb {

ReadReport for_each_rag(const std::filesystem::path& path, const std::function<void(RagPassage&&)>& fn,
                        const ReadOptions& opts) {
  const char first = first_nonblank_char(path);
  if (first == 0) throw error_in_file(path.string(), "empty file: no passages");
  ReadReport report;
  if (first == '{' || first == '[') {
    RecordIds ids;
    for_each_json_record(path, opts, report, [&](const nlohmann::json& j, const RecordLocation& loc) {
      if (report.columns.empty()) report.columns = json_keys(j);
      RagPassage p;
      p.line = loc.line;
      const char* qk = nullptr;
      const char* ak = nullptr;
      if (j.contains("问") || j.contains("答")) {
        qk = "问", ak = "答";
        if (report.layout.empty()) report.layout = "rag-qa-zh";
      } else if (j.contains("question") || j.contains("answer")) {
        qk = "question", ak = "answer";
        if (report.layout.empty()) report.layout = "rag-qa";
      } else if (j.contains("text")) {
        if (report.layout.empty()) report.layout = "rag-text";
        p.text = json_string(j, "text", loc);
        if (trim(p.text).empty()) throw loc.error("empty text");
      } else {
        throw loc.error("no passage: expected '问'/'答', 'question'/'answer' or 'text'");
      }
      if (qk) {
        p.question = json_string(j, qk, loc);
        p.answer = json_string(j, ak, loc);
        if (trim(p.question).empty()) throw loc.error(std::string("empty '") + qk + "'");
        if (trim(p.answer).empty()) throw loc.error(std::string("empty '") + ak + "'");
        p.text = p.question + "\n" + p.answer;
      }
      p.id = ids.assign(json_optional_id(j), loc);
      fn(std::move(p));
      ++report.records_read;
    });
    return report;
  }
  report.layout = "rag-lines";
  RecordLocation loc;
  loc.file = path.string();
  for_each_text_line(path, [&](long n, std::string_view t) {
    if (blank_line(t)) return;
    loc.line = n;
    ++loc.record;
    try {
      check_utf8_line(t, loc);
      RagPassage p;
      p.id = std::to_string(loc.record);
      p.line = n;
      p.text = std::string(t);
      fn(std::move(p));
      ++report.records_read;
    } catch (const InputError& e) {
      report.fail(e, opts);
    }
  });
  return report;
}

Dataset<RagPassage> read_rag(const std::filesystem::path& path, const ReadOptions& opts) {
  Dataset<RagPassage> ds;
  ds.report = for_each_rag(path, [&](RagPassage&& x) { ds.records.push_back(std::move(x)); }, opts);
  return ds;
}

}  // namespace qb
