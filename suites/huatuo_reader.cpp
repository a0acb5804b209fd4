#include "suites/huatuo_reader.h"

#include "suites/json_fields.h"
#include "suites/json_records.h"
#include "suites/record_ids.h"

namespace qb {

ReadReport for_each_huatuo(const std::filesystem::path& path, const std::function<void(HuatuoItem&&)>& fn,
                           const ReadOptions& opts) {
  ReadReport report;
  report.layout = detect_json_layout(path) == JsonLayout::kList ? "huatuo-json-list" : "huatuo-jsonl";
  RecordIds ids;
  for_each_json_record(path, opts, report, [&](const nlohmann::json& j, const RecordLocation& loc) {
    if (report.columns.empty()) report.columns = json_keys(j);
    // Field pairs in order of preference; the first pair present decides.
    const char* qkey = nullptr;
    const char* akey = nullptr;
    for (auto [q, a] : {std::pair{"questions", "answers"}, {"question", "answer"}, {"instruction", "output"}}) {
      if (j.contains(q) || j.contains(a)) {
        qkey = q;
        akey = a;
        break;
      }
    }
    if (!qkey)
      throw loc.error("no question field: expected 'questions'/'answers', 'question'/'answer' or "
                      "'instruction'/'output'");
    HuatuoItem item;
    item.line = loc.line;
    item.record = loc.record;
    auto qs = json_string_or_list(j, qkey, loc);
    if (qs.empty()) throw loc.error(std::string("empty question ('") + qkey + "')");
    item.question = std::move(qs.front());  // further entries of a list are paraphrases
    item.answers = json_string_or_list(j, akey, loc);
    if (item.answers.empty()) throw loc.error(std::string("missing answer ('") + akey + "' is empty)");
    item.id = ids.assign(json_optional_id(j), loc);
    fn(std::move(item));
    ++report.records_read;
  });
  return report;
}

Dataset<HuatuoItem> read_huatuo(const std::filesystem::path& path, const ReadOptions& opts) {
  Dataset<HuatuoItem> ds;
  ds.report = for_each_huatuo(path, [&](HuatuoItem&& x) { ds.records.push_back(std::move(x)); }, opts);
  return ds;
}

}  // namespace qb
