// Any other JSONL / JSON-list / CSV file of predictions, named field by field:
// `--field prediction=NAME` (required), `--field reference=NAME`, `--field id=NAME`. JSON names
// are keys or dotted paths into nested objects ("output.text"); CSV names are header columns.
// A JSON prediction that is an object of numbers ({"A": -1.2, "B": -3.4}) is read as per-option
// log-likelihoods; with letters_answers (score --mode loglik) a string is the chosen letters.
#include <map>

#include "suites/json_records.h"
#include "suites/prediction_readers.h"
#include "suites/text_util.h"

namespace qb::prediction_readers {

namespace {

void set_answer(ForeignPrediction& r, const nlohmann::json& v, const std::string& field, bool letters) {
  if (v.is_object()) {
    r.kind = ForeignAnswerKind::kChoiceLogprobs;
    for (const auto& [key, lp] : v.items()) {
      if (key.size() != 1 || key[0] < 'A' || key[0] > 'Z')
        throw r.error("field '" + field + "' key " + shown(key) + " is not an option letter A-Z");
      ForeignChoice c;
      c.label = key[0];
      c.logprob = number_of(lp, field + "." + key, r);
      r.choices.push_back(std::move(c));
    }
    if (r.choices.empty()) throw r.error("field '" + field + "' is an empty object");
    return;
  }
  r.kind = letters ? ForeignAnswerKind::kLetters : ForeignAnswerKind::kText;
  (letters ? r.letters : r.text) = text_of(v, field, r);
}

void read_json(const fs::path& path, const ForeignReadOptions& o, ForeignPredictions& out) {
  const FieldMapping& f = o.fields;
  long n = 0;
  for_each_json_object(path, [&](const nlohmann::json& j, const RecordLocation& loc) {
    ForeignPrediction r = record_at(loc, n++);
    const nlohmann::json* p = find_field(j, f.prediction);
    if (!p) throw r.error("missing field '" + f.prediction + "' (named by --field prediction)");
    set_answer(r, *p, f.prediction, o.letters_answers);
    if (!f.reference.empty()) {
      const nlohmann::json* ref = find_field(j, f.reference);
      if (!ref) throw r.error("missing field '" + f.reference + "' (named by --field reference)");
      r.reference = ref->is_null() ? std::string() : scalar_text_of(*ref, f.reference, r);
    }
    if (!f.id.empty()) {
      const nlohmann::json* id = find_field(j, f.id);
      if (!id || id->is_null()) throw r.error("missing field '" + f.id + "' (named by --field id)");
      r.id = scalar_text_of(*id, f.id, r);
      if (r.id.empty()) throw r.error("empty id in field '" + f.id + "'");
    }
    out.records.push_back(std::move(r));
  });
  out.layout = detect_json_layout(path) == JsonLayout::kList ? "fields-json-list" : "fields-jsonl";
}

void read_csv(const fs::path& path, const ForeignReadOptions& o, ForeignPredictions& out) {
  CsvTable csv(path);
  auto column = [&](const std::string& name, const char* role) -> long {
    if (name.empty()) return -1;
    if (auto c = csv.column(name)) return static_cast<long>(*c);
    throw error_at_line(csv.file(), csv.header_line(), "no column '" + name + "' (named by --field " + role +
                                                           "); the header has: " + join(csv.header(), ", "));
  };
  const long c_pred = column(o.fields.prediction, "prediction"), c_ref = column(o.fields.reference, "reference"),
             c_id = column(o.fields.id, "id");
  long n = 0;
  CsvRecord rec;
  ForeignPrediction r;
  while (csv.next(rec, r)) {
    r.position = n++;
    r.kind = o.letters_answers ? ForeignAnswerKind::kLetters : ForeignAnswerKind::kText;
    (o.letters_answers ? r.letters : r.text) = rec.fields[c_pred];
    if (c_ref >= 0) r.reference = rec.fields[c_ref];
    if (c_id >= 0) {
      r.id = std::string(trim(rec.fields[c_id]));
      if (r.id.empty()) throw r.error("empty id in column '" + o.fields.id + "'");
    }
    out.records.push_back(r);
    r = ForeignPrediction();
  }
  if (n == 0) throw error_in_file(csv.file(), "no rows: the file holds only a header");
  out.layout = "fields-csv";
}

}  // namespace

ForeignPredictions read_fields(const fs::path& path, const ForeignReadOptions& options) {
  if (options.fields.prediction.empty())
    throw InputError("--field", "prediction", "missing: --from fields needs --field prediction=NAME");
  ForeignPredictions out;
  out.format = "fields";
  out.files = {path.string()};
  const char c = first_nonblank_char(path);
  if (c == 0) throw error_in_file(path.string(), "empty file");
  if (c == '{' || c == '[')
    read_json(path, options, out);
  else
    read_csv(path, options, out);
  // Ids, when named, must be unique; positions are the record order.
  std::map<std::string, std::string> seen;
  for (const auto& r : out.records)
    if (!r.id.empty() && !seen.emplace(r.id, r.where).second)
      throw r.error("id " + shown(r.id) + " appears twice (also at " + seen[r.id] + ")");
  return out;
}

}  // namespace qb::prediction_readers
