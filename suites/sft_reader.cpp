#include "suites/sft_reader.h"

#include "suites/chat_turns.h"
#include "suites/json_fields.h"
#include "suites/json_records.h"
#include "suites/record_ids.h"
#include "suites/text_util.h"

namespace qb {

ReadReport for_each_sft(const std::filesystem::path& path, const std::function<void(SftDialogue&&)>& fn,
                        const ReadOptions& opts) {
  ReadReport report;
  RecordIds ids;
  for_each_json_record(path, opts, report, [&](const nlohmann::json& j, const RecordLocation& loc) {
    if (report.columns.empty()) report.columns = json_keys(j);
    SftDialogue d;
    d.line = loc.line;
    d.record = loc.record;
    if (j.contains("conversations")) {
      if (report.layout.empty()) report.layout = "sft-sharegpt";
      d.turns = parse_chat_turns(j, "conversations", "assistant", loc);
    } else if (j.contains("instruction") || j.contains("output")) {
      if (report.layout.empty()) report.layout = "sft-alpaca";
      // Alpaca: the user turn is the instruction, then the input (if any) on a new line.
      std::string user = json_string(j, "instruction", loc);
      if (j.contains("input") && !j["input"].is_null()) {
        std::string input = json_string(j, "input", loc);
        if (!trim(input).empty()) user += "\n" + input;
      }
      if (trim(user).empty()) throw loc.error("empty instruction");
      std::string out = json_string(j, "output", loc);
      if (trim(out).empty()) throw loc.error("empty output");
      if (j.contains("system") && j["system"].is_string() && !trim(j["system"].get<std::string>()).empty())
        d.turns.push_back({"system", j["system"].get<std::string>()});
      d.turns.push_back({"user", std::move(user)});
      d.turns.push_back({"assistant", std::move(out)});
    } else {
      throw loc.error("no dialogue: expected 'conversations' or 'instruction'/'input'/'output'");
    }
    d.id = ids.assign(json_optional_id(j), loc);
    fn(std::move(d));
    ++report.records_read;
  });
  return report;
}

Dataset<SftDialogue> read_sft(const std::filesystem::path& path, const ReadOptions& opts) {
  Dataset<SftDialogue> ds;
  ds.report = for_each_sft(path, [&](SftDialogue&& x) { ds.records.push_back(std::move(x)); }, opts);
  return ds;
}

}  // namespace qb
