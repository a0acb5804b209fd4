#include "suites/dpo_reader.h"

#include "suites/chat_turns.h"
#include "suites/json_fields.h"
#include "suites/json_records.h"
#include "suites/record_ids.h"
#include "suites/text_util.h"

namespace qb {

ReadReport for_each_dpo(const std::filesystem::path& path, const std::function<void(DpoPair&&)>& fn,
                        const ReadOptions& opts) {
  ReadReport report;
  RecordIds ids;
  for_each_json_record(path, opts, report, [&](const nlohmann::json& j, const RecordLocation& loc) {
    if (report.columns.empty()) report.columns = json_keys(j);
    DpoPair p;
    p.line = loc.line;
    p.record = loc.record;
    const char* ck;
    const char* rk;
    if (j.contains("question") || j.contains("response_chosen")) {
      if (report.layout.empty()) report.layout = "dpo-question";
      std::string q = json_string(j, "question", loc);
      if (trim(q).empty()) throw loc.error("empty question");
      p.prompt.push_back({"user", std::move(q)});
      ck = "response_chosen";
      rk = "response_rejected";
    } else if (j.contains("conversations")) {
      if (report.layout.empty()) report.layout = "dpo-conversations";
      p.prompt = parse_chat_turns(j, "conversations", "user", loc);
      ck = "chosen";
      rk = "rejected";
    } else {
      throw loc.error("no prompt: expected 'question' or 'conversations'");
    }
    p.chosen = json_string(j, ck, loc);
    p.rejected = json_string(j, rk, loc);
    if (trim(p.chosen).empty()) throw loc.error(std::string("empty '") + ck + "'");
    if (trim(p.rejected).empty()) throw loc.error(std::string("empty '") + rk + "'");
    // Identical responses carry no preference (the DPO loss gradient is zero).
    if (p.chosen == p.rejected) throw loc.error(std::string("'") + ck + "' and '" + rk + "' are identical");
    p.id = ids.assign(json_optional_id(j), loc);
    fn(std::move(p));
    ++report.records_read;
  });
  return report;
}

Dataset<DpoPair> read_dpo(const std::filesystem::path& path, const ReadOptions& opts) {
  Dataset<DpoPair> ds;
  ds.report = for_each_dpo(path, [&](DpoPair&& x) { ds.records.push_back(std::move(x)); }, opts);
  return ds;
}

}  // namespace qb
