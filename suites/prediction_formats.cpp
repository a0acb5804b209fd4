#include "suites/prediction_formats.h"

#include <algorithm>
#include <fstream>

#include "suites/csv_reader.h"
#include "suites/json_records.h"
#include "suites/prediction_readers.h"
#include "suites/text_util.h"

namespace qb {

namespace fs = std::filesystem;
using prediction_readers::read_json_document;

const std::vector<std::string>& prediction_format_names() {
  static const std::vector<std::string> names = {"llamafactory", "lm-eval", "opencompass", "evalscope", "cmexam-csv",
                                                 "fields"};
  return names;
}

namespace {

std::string keys_of(const nlohmann::json& j) {
  std::vector<std::string> keys;
  for (const auto& [k, _] : j.items()) keys.push_back(k);
  return join(keys, ", ");
}

bool all_item_numbers(const nlohmann::json& j) {
  if (!j.is_object() || j.empty()) return false;
  for (const auto& [k, _] : j.items())
    if (k.empty() || k.find_first_not_of("0123456789") != std::string::npos) return false;
  return true;
}

// The signatures of one JSON record: which tools write records with these keys.
void classify_record(const nlohmann::json& r, PredictionFormatGuess& g) {
  auto has = [&](const char* k) { return r.contains(k); };
  if (has("predict") && has("label")) g.candidates.push_back("llamafactory");
  if (!has("predict") && has("chosen") && has("rejected") && r["chosen"].is_number()) g.candidates.push_back("llamafactory");
  if (has("doc_id") && (has("resps") || has("filtered_resps"))) g.candidates.push_back("lm-eval");
  if (has("index") && (has("sample_score") || has("model_output"))) g.candidates.push_back("evalscope");
  g.native = (has("prediction") && has("reference")) || has("output") || has("choice") || has("logprobs");
}

// The first line of a JSONL file, parsed; discarded when it is not one complete JSON value.
nlohmann::json first_line_value(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::string line;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (line.compare(0, 3, "\xEF\xBB\xBF") == 0) line.erase(0, 3);
    return nlohmann::json::parse(line, nullptr, false);
  }
  return nlohmann::json::value_t::discarded;
}

}  // namespace

PredictionFormatGuess guess_prediction_format(const fs::path& path) {
  PredictionFormatGuess g;
  if (!fs::exists(path)) {
    const fs::path part = path.parent_path() / (path.stem().string() + "_0" + path.extension().string());
    if (fs::exists(part)) {
      g.candidates = {"opencompass"};
      g.evidence = "no " + path.filename().string() + " but split parts " + part.filename().string() + ", …";
      return g;
    }
    throw error_in_file(path.string(), "no such file");
  }
  const char c = first_nonblank_char(path);
  if (c == 0) throw error_in_file(path.string(), "empty file");
  if (c == '{' || c == '[') {
    nlohmann::json first = c == '{' ? first_line_value(path) : nlohmann::json(nlohmann::json::value_t::discarded);
    if (first.is_discarded() || all_item_numbers(first)) {  // several lines, or an OpenCompass file on one line
      const nlohmann::json doc = first.is_discarded() ? read_json_document(path) : first;
      if (all_item_numbers(doc) && doc.begin()->is_object()) {
        g.candidates = {"opencompass"};
        g.evidence = "one JSON object keyed \"0\" … \"" + std::to_string(doc.size() - 1) + "\"";
        return g;
      }
      if (doc.is_array() && !doc.empty() && doc[0].is_object()) {
        first = doc[0];
        g.evidence = "the first element's keys: " + keys_of(first);
      } else {
        g.evidence = std::string("one JSON ") + doc.type_name() + (doc.is_object() ? " with keys: " + keys_of(doc) : "");
        return g;
      }
    } else if (first.is_object()) {
      g.evidence = "line 1 keys: " + keys_of(first);
    } else {
      g.evidence = "line 1 is not a JSON object";
      return g;
    }
    classify_record(first, g);
    return g;
  }
  std::ifstream in(path, std::ios::binary);
  CsvReader csv(in, path.string());
  CsvRecord header;
  if (!csv.next(header)) return g;
  std::vector<std::string> columns;
  for (const auto& f : header.fields) columns.emplace_back(trim(f));
  auto has = [&](const char* name) { return std::find(columns.begin(), columns.end(), name) != columns.end(); };
  g.evidence = "CSV columns: " + join(columns, ", ");
  if (has("Question") && has("Options") && has("Answer") &&
      (has("raw_prediction") || has("model_output") || has("predicted_answer") || has("correctness")))
    g.candidates.push_back("cmexam-csv");
  return g;
}

ForeignPredictions read_foreign_predictions(const fs::path& path, const ForeignReadOptions& options) {
  std::string format = options.format;
  if (format.empty()) {
    const PredictionFormatGuess g = guess_prediction_format(path);
    if (!options.fields.empty() && (g.candidates.empty() || g.candidates[0] != "cmexam-csv")) {
      format = "fields";
    } else if (g.candidates.size() == 1 && !g.native) {
      format = g.candidates[0];
    } else if (g.candidates.empty()) {
      throw error_in_file(path.string(), "no known layout of predictions (" + g.evidence + "); pass --from " +
                                             join(prediction_format_names(), "|") +
                                             ", or name the fields with --field prediction=NAME [--field reference=NAME]");
    } else {
      std::vector<std::string> named = g.candidates;
      if (g.native) named.push_back("qilin-bench's own {prediction, reference} / {id, output}");
      throw error_in_file(path.string(), "ambiguous layout (" + g.evidence + "): it could be " + join(named, " or ") +
                                             "; pass --from to choose");
    }
  }
  if (!options.fields.empty() && format != "fields" && format != "cmexam-csv")
    throw InputError("--field", format, "--field names the fields of --from fields (or the columns of cmexam-csv); " +
                                            format + " files have a fixed layout");
  namespace r = prediction_readers;
  ForeignPredictions out;
  if (format == "llamafactory")
    out = r::read_llamafactory(path, options);
  else if (format == "lm-eval")
    out = r::read_lm_eval(path, options);
  else if (format == "opencompass")
    out = r::read_opencompass(path, options);
  else if (format == "evalscope")
    out = r::read_evalscope(path, options);
  else if (format == "cmexam-csv")
    out = r::read_cmexam_csv(path, options);
  else if (format == "fields")
    out = r::read_fields(path, options);
  else
    throw InputError("--from", format, "unknown format; known: " + join(prediction_format_names(), ", "));
  if (!options.filter.empty() && format != "lm-eval")
    throw InputError("--filter", options.filter, "applies to lm-eval samples only");
  if (out.records.empty()) throw error_in_file(path.string(), "no predictions");
  return out;
}

}  // namespace qb
