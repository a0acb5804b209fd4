// OpenCompass `predictions/<model>/<dataset>.json`: one JSON object whose keys are "0" … "N-1"
// (the item's position in the dataset's test split). A split task writes `<dataset>_0.json`,
// `<dataset>_1.json`, … each numbered from "0" again; OpenCompass's evaluator concatenates them
// in that order until a part is missing, and so does this reader.
//   Gen form (GenInferencer): {"origin_prompt", "prediction": text, "gold"?}.
//   PPL form (PPLInferencer): {"origin_prompt", "label: A": {"testing input", "prompt", "PPL"},
//     …, "prediction": the label of lowest perplexity, "gold"?}.
// `gold` is left out when it is falsy (an empty string, 0), so a missing gold is not an error
// here: the reference then comes from --data.
#include "suites/prediction_readers.h"
#include "suites/text_util.h"

namespace qb::prediction_readers {

namespace {

// The files to read: `<root>.json` alone, or the parts `<root>_0.json`, `<root>_1.json`, ….
std::vector<fs::path> prediction_files(const fs::path& path) {
  const std::string stem = path.stem().string(), ext = path.extension().string();
  const fs::path dir = path.parent_path();
  auto parts_from = [&](const std::string& root) {
    std::vector<fs::path> parts;
    for (int i = 0;; ++i) {
      fs::path part = dir / (root + "_" + std::to_string(i) + ext);
      if (!fs::exists(part)) break;
      parts.push_back(part);
    }
    return parts;
  };
  if (stem.size() > 2 && stem.compare(stem.size() - 2, 2, "_0") == 0 && fs::exists(path))
    return parts_from(stem.substr(0, stem.size() - 2));
  if (fs::exists(path)) return {path};
  auto parts = parts_from(stem);
  if (parts.empty()) throw error_in_file(path.string(), "no such file, and no split parts " + stem + "_0" + ext + ", …");
  return parts;
}

void read_part(const fs::path& file, long offset, ForeignPredictions& out) {
  const nlohmann::json j = read_json_document(file);
  if (!j.is_object())
    throw error_in_file(file.string(), std::string("expected a JSON object keyed \"0\", \"1\", …, found ") + j.type_name());
  if (j.empty()) throw error_in_file(file.string(), "empty object: no predictions");
  for (size_t i = 0; i < j.size(); ++i)
    if (!j.contains(std::to_string(i))) {
      for (const auto& [key, _] : j.items())
        if (key.empty() || key.find_first_not_of("0123456789") != std::string::npos)
          throw InputError(file.string(), "key '" + key + "'", "not an item number (OpenCompass keys items \"0\" … \"N-1\")");
      throw error_in_file(file.string(), "key \"" + std::to_string(i) + "\" is missing (the " + std::to_string(j.size()) +
                                             " keys must be \"0\" … \"" + std::to_string(j.size() - 1) + "\")");
    }
  for (size_t i = 0; i < j.size(); ++i) {
    const std::string key = std::to_string(i);
    const nlohmann::json& v = j[key];
    ForeignPrediction r;
    r.file = file.string();
    r.where = "key '" + key + "'";
    r.position = offset + static_cast<long>(i);
    if (!v.is_object()) throw r.error(std::string("expected an object, found ") + v.type_name());
    if (!v.contains("prediction")) throw r.error("missing field 'prediction'");
    const nlohmann::json& p = v["prediction"];
    std::vector<std::string> labels;
    for (const auto& [k, _] : v.items())
      if (k.rfind("label: ", 0) == 0) labels.push_back(k.substr(7));
    if (!labels.empty()) {
      r.kind = ForeignAnswerKind::kLetters;
      r.letters = scalar_text_of(p, "prediction", r);
      for (const std::string& label : labels) {
        if (label.size() != 1 || label[0] < 'A' || label[0] > 'Z')
          throw r.error("PPL label " + shown(label) + " is not an option letter A-Z (only letter labels can be re-scored)");
        ForeignChoice c;
        c.label = label[0];
        r.choices.push_back(c);
      }
    } else {
      if (p.is_array()) throw r.error("'prediction' is a list (a multi-round dialogue); qilin-bench scores one answer per item");
      r.kind = ForeignAnswerKind::kText;
      r.text = text_of(p, "prediction", r);
    }
    if (auto g = v.find("gold"); g != v.end() && !g->is_null()) {
      if (g->is_array()) throw r.error("'gold' is a list; qilin-bench scores one reference per item: pass --data");
      r.reference = scalar_text_of(*g, "gold", r);
    }
    out.records.push_back(std::move(r));
  }
}

}  // namespace

ForeignPredictions read_opencompass(const fs::path& path, const ForeignReadOptions&) {
  ForeignPredictions out;
  out.format = "opencompass";
  long offset = 0;
  for (const fs::path& file : prediction_files(path)) {
    const size_t before = out.records.size();
    read_part(file, offset, out);
    offset += static_cast<long>(out.records.size() - before);
    out.files.push_back(file.string());
  }
  const bool ppl = out.records.front().kind == ForeignAnswerKind::kLetters;
  for (const auto& r : out.records)
    if ((r.kind == ForeignAnswerKind::kLetters) != ppl)
      throw r.error("mixes the PPL form (label: X entries) and the generation form");
  out.layout = std::string(ppl ? "opencompass-ppl" : "opencompass-gen") + (out.files.size() > 1 ? " (split parts)" : "");
  return out;
}

}  // namespace qb::prediction_readers
