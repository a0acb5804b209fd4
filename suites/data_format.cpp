#include "suites/data_format.h"

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/utf8.h"
#include "suites/json_records.h"
#include "suites/text_util.h"

namespace qb {

namespace {

enum class ValueKind { kString, kList, kOther };

// Collects the keys (and value kinds) of the first object of a JSONL line or a JSON
// list, then stops the parse: detection never reads a big list whole.
class FirstRecordKeys : public nlohmann::json_sax<nlohmann::json> {
 public:
  explicit FirstRecordKeys(int record_depth) : record_depth_(record_depth) {}
  std::map<std::string, ValueKind> keys;
  bool found = false;

  bool null() override { return value(ValueKind::kOther); }
  bool boolean(bool) override { return value(ValueKind::kOther); }
  bool number_integer(number_integer_t) override { return value(ValueKind::kOther); }
  bool number_unsigned(number_unsigned_t) override { return value(ValueKind::kOther); }
  bool number_float(number_float_t, const string_t&) override { return value(ValueKind::kOther); }
  bool string(string_t&) override { return value(ValueKind::kString); }
  bool binary(binary_t&) override { return value(ValueKind::kOther); }
  bool start_object(std::size_t) override {
    value(ValueKind::kOther);
    ++depth_;
    return true;
  }
  bool end_object() override {
    --depth_;
    if (depth_ == record_depth_ - 1 && in_record_) {
      found = true;
      return false;  // first record complete: stop
    }
    return true;
  }
  bool start_array(std::size_t) override {
    value(ValueKind::kList);
    ++depth_;
    return true;
  }
  bool end_array() override {
    --depth_;
    return true;
  }
  bool key(string_t& k) override {
    if (depth_ == record_depth_) {
      in_record_ = true;
      last_key_ = k;
    }
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }

 private:
  bool value(ValueKind kind) {
    if (depth_ == record_depth_ && in_record_ && !last_key_.empty()) {
      keys[last_key_] = kind;
      last_key_.clear();
    }
    return true;
  }
  int record_depth_;
  int depth_ = 0;
  bool in_record_ = false;
  std::string last_key_;
};

std::string first_line(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw error_in_file(path.string(), "cannot open the file for reading");
  std::string line;
  while (std::getline(in, line)) {
    std::string_view t = strip_bom(line);
    if (!trim(t).empty()) return std::string(t);
  }
  return "";
}

DataFormat from_keys(const std::filesystem::path& path, const std::map<std::string, ValueKind>& k) {
  auto has = [&](const char* key) { return k.count(key) > 0; };
  auto is_list = [&](const char* key) { return has(key) && k.at(key) == ValueKind::kList; };
  if (has("questions") || has("answers")) return DataFormat::kHuatuo;
  if (has("问") || has("答")) return DataFormat::kRag;
  if (has("chosen") || has("rejected") || has("response_chosen") || has("response_rejected"))
    return DataFormat::kDpo;
  if (has("conversations")) return DataFormat::kSft;
  if (is_list("instruction") || is_list("output")) return DataFormat::kHuatuo;
  if (has("instruction") || has("output")) return DataFormat::kSft;
  if (has("question") || has("answer")) return DataFormat::kHuatuo;
  if (has("text")) return DataFormat::kDcpt;
  std::string names;
  for (const auto& [key, kind] : k) names += (names.empty() ? "" : ", ") + key;
  throw error_in_file(path.string(), "cannot tell the data kind from the first record's fields (" + names +
                                         "); pass --format cmexam|huatuo|dcpt|sft|dpo|rag");
}

}  // namespace

std::string format_name(DataFormat f) {
  switch (f) {
    case DataFormat::kCMExam: return "cmexam";
    case DataFormat::kHuatuo: return "huatuo";
    case DataFormat::kDcpt: return "dcpt";
    case DataFormat::kSft: return "sft";
    case DataFormat::kDpo: return "dpo";
    case DataFormat::kRag: return "rag";
  }
  return "?";
}

std::optional<DataFormat> parse_format_name(const std::string& name) {
  for (auto f : {DataFormat::kCMExam, DataFormat::kHuatuo, DataFormat::kDcpt, DataFormat::kSft, DataFormat::kDpo,
                 DataFormat::kRag})
    if (format_name(f) == name) return f;
  return std::nullopt;
}

DataFormat detect_format(const std::filesystem::path& path) {
  const char first = first_nonblank_char(path);
  if (first == 0) throw error_in_file(path.string(), "empty file");
  if (first == '{' || first == '[') {
    FirstRecordKeys sax(first == '[' ? 2 : 1);
    if (first == '[') {
      std::ifstream in(path, std::ios::binary);
      nlohmann::json::sax_parse(in, &sax, nlohmann::json::input_format_t::json, false);
    } else {
      std::string line = first_line(path);
      nlohmann::json::sax_parse(line, &sax, nlohmann::json::input_format_t::json, false);
    }
    if (sax.found) return from_keys(path, sax.keys);
    // Not JSON after all (or broken JSON): the reader for the likeliest kind reports
    // the exact problem; text that starts with a bracket is DCPT text.
    if (!sax.keys.empty()) return from_keys(path, sax.keys);
    return DataFormat::kDcpt;
  }
  // CSV: a CMExam header names Question/Options in its first line.
  std::string header = first_line(path);
  if (path.extension() == ".csv" || header.find("Question") != std::string::npos ||
      header.find("Options") != std::string::npos)
    if (header.find(',') != std::string::npos) return DataFormat::kCMExam;
  return DataFormat::kDcpt;
}

}  // namespace qb
