#include "evals/huatuo_suite.h"

#include "common/error.h"
#include "common/string_index.h"
#include "suites/flat_json_record.h"
#include "suites/huatuo_reader.h"
#include "suites/huatuo_requests.h"
#include "suites/jsonl_lines.h"

namespace qb {

using nlohmann::json;

namespace {

class HuatuoRowScorer : public SuiteScorer {
 public:
  explicit HuatuoRowScorer(HuatuoScoreOptions o) : scorer_(std::move(o)) {}

  void add_row(json& row) override {
    for (const char* k : {"id", "prediction", "reference"})
      if (!row.contains(k) || !row[k].is_string())
        throw InputError("<row>", std::string("field '") + k + "'", "a Huatuo sample needs id, prediction and reference strings");
    scorer_.add(row["id"].get<std::string>(), row["prediction"].get<std::string>(), row["reference"].get<std::string>());
    const auto& st = scorer_.items().back();
    row["scores"] = {{"rouge1_f", st.rouge1.f * 100}, {"rouge2_f", st.rouge2.f * 100}, {"rougeL_f", st.rouge_l.f * 100}};
  }

  ScoreReport report() const override { return scorer_.report(); }

  ComparisonReport compare(const SuiteScorer& b, int resamples, uint64_t seed) const override {
    const auto* other = dynamic_cast<const HuatuoRowScorer*>(&b);
    if (!other) throw std::logic_error("HuatuoRowScorer::compare: the other scorer is not a Huatuo scorer");
    return compare_huatuo(scorer_, other->scorer_, resamples, seed);
  }

  HuatuoScorer& scorer() { return scorer_; }

 private:
  HuatuoScorer scorer_;
};

// A predictions record's id, prediction and reference, with the rules of prediction_item_id and
// prediction_text_field. Flat records take the fast path (suites/flat_json_record.h); anything
// else goes through nlohmann with the same results and errors.
void read_prediction_record(const std::string& line, const std::string& path, long line_no, long record,
                            HuatuoScorer::Pair& p) {
  thread_local std::vector<FlatJsonField> fields;
  if (!parse_flat_json_object(line, fields)) {
    const json j = parse_jsonl_object(line, path, line_no);
    p.id = prediction_item_id(j, path, line_no, record);
    p.prediction = prediction_text_field(j, "prediction", path, line_no);
    p.reference = prediction_text_field(j, "reference", path, line_no);
    return;
  }
  auto find = [&](const char* name) -> FlatJsonField* {
    for (auto& f : fields)
      if (f.key == name) return &f;
    return nullptr;
  };
  FlatJsonField* id = find("id");
  if (id == nullptr || id->kind == FlatJsonField::kNull)
    p.id = std::to_string(record);
  else if (id->kind == FlatJsonField::kString)
    p.id = std::move(id->text);
  else if (id->kind == FlatJsonField::kInteger)
    p.id = std::to_string(std::stoll(id->text));
  else
    throw error_at_line(path, line_no, "field 'id' is neither a string nor an integer");
  for (const char* name : {"prediction", "reference"}) {
    FlatJsonField* f = find(name);
    if (f == nullptr) throw error_at_line(path, line_no, std::string("missing field '") + name + "'");
    if (f->kind != FlatJsonField::kString && f->kind != FlatJsonField::kNull)
      throw error_at_line(path, line_no, std::string("field '") + name + "' is not a string");
    std::string& out = name[0] == 'p' ? p.prediction : p.reference;
    if (f->kind == FlatJsonField::kNull)
      out.clear();
    else
      out = std::move(f->text);
  }
}

}  // namespace

std::vector<SuiteItem> HuatuoSuite::build_items(const SuiteOptions& spec, ReadReport& report) const {
  resolve_mode(spec.mode);
  ReadOptions ro;
  ro.lenient = spec.lenient;
  auto data = read_huatuo(spec.data, ro);
  report = data.report;
  HuatuoPromptOptions opts;
  if (!spec.prompt_template.empty()) opts.prompt_template = spec.prompt_template;
  if (spec.max_new_tokens > 0) opts.max_new_tokens = spec.max_new_tokens;
  std::vector<SuiteItem> items;
  for (const auto& h : data.records) {
    if (spec.limit > 0 && static_cast<long>(items.size()) >= spec.limit) break;
    SuiteItem it;
    it.generate = build_huatuo_request(h, opts);
    it.log = {{"id", h.id}, {"reference", h.answers.at(0)}};
    it.query = h.question;
    items.push_back(std::move(it));
  }
  return items;
}

std::unique_ptr<SuiteScorer> HuatuoSuite::new_scorer(const SuiteOptions& options) const {
  resolve_mode(options.mode);
  HuatuoScoreOptions o = options.scoring;
  o.keep_items = true;  // per-item ROUGE goes into each row; rows of two runs can be compared
  return std::make_unique<HuatuoRowScorer>(o);
}

// Records are parsed and scored on the scoring threads, a batch at a time (memory stays flat in
// the number of pairs: a batch's texts are dropped after it); ids are checked in file order.
std::unique_ptr<SuiteScorer> HuatuoSuite::score_predictions(const std::filesystem::path& predictions,
                                                            const SuiteOptions& options) const {
  resolve_mode(options.mode);
  if (!options.data.empty())
    throw InputError("--data", options.data.string(), "--suite huatuo reads references from the predictions file");
  const std::string path = predictions.string();
  auto result = std::make_unique<HuatuoRowScorer>(options.scoring);
  HuatuoScorer& scorer = result->scorer();
  const int threads = std::max(1, options.scoring.threads);
  JsonlLines reader(path);
  std::vector<std::string> lines;
  std::vector<long> line_nos;
  StringIndex ids;             // ids are small; texts are not kept
  std::vector<long> id_lines;  // the line of each id's record
  long first_record = 1;
  while (reader.next(lines, line_nos, 1024)) {
    auto make = [&](size_t i, HuatuoScorer::Pair& p) {
      read_prediction_record(lines[i], path, line_nos[i], first_record + static_cast<long>(i), p);
    };
    auto accept = [&](size_t i, const HuatuoScorer::Pair& p) {
      const auto [number, fresh] = ids.insert(p.id);
      if (!fresh)
        throw error_at_line(path, line_nos[i], "id '" + p.id + "' already appeared on line " + std::to_string(id_lines[number]));
      id_lines.push_back(line_nos[i]);
    };
    try {
      scorer.add_batch(line_nos.size(), make, accept, threads);
    } catch (const InputError& e) {
      if (e.file() != "<batch>") throw;  // already names the file and line
      const size_t k = std::stoul(e.where().substr(5));
      throw error_at_line(path, line_nos.at(std::min(k, line_nos.size() - 1)), e.problem());
    }
    first_record += static_cast<long>(line_nos.size());
  }
  return result;
}

}  // namespace qb
