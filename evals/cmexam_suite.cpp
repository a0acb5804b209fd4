#include "evals/cmexam_suite.h"

#include <algorithm>
#include <map>
#include <unordered_map>

#include "common/error.h"
#include "metrics/accuracy_scorer.h"
#include "metrics/answer_extraction.h"
#include "metrics/loglik_choice.h"
#include "suites/cmexam_reader.h"
#include "suites/cmexam_requests.h"
#include "suites/jsonl_lines.h"

namespace qb {

using nlohmann::json;

namespace {

ChoiceMode choice_mode(const std::string& mode) { return mode == "generate" ? ChoiceMode::kGenerate : ChoiceMode::kLoglik; }

class CMExamScorer : public SuiteScorer {
 public:
  explicit CMExamScorer(std::string mode) : mode_(std::move(mode)), scorer_(choice_mode(mode_)) {}

  // Adds the row's prediction fields from its answers (unless a re-scored row has them already).
  void add_row(json& row) override {
    ChoiceOutcome o;
    o.id = row.at("id").get<std::string>();
    o.gold = row.at("gold").get<std::string>();
    o.annotations = row.value("annotations", std::map<std::string, std::string>{});
    const std::string letters = row.at("options").get<std::string>();
    if (mode_ == "loglik") {
      if (!row.contains("predicted")) {
        auto lp = row.at("logprob").get<std::vector<double>>();
        auto conts = row.at("continuations").get<std::vector<std::string>>();
        std::map<char, double> by_letter;
        std::map<char, std::string> text;
        for (size_t k = 0; k < letters.size() && k < lp.size(); ++k) {
          by_letter[letters[k]] = lp[k];
          text[letters[k]] = conts.at(k);
        }
        auto choice = loglik_choice(by_letter, text);
        row["predicted"] = std::string(1, choice.acc);
        row["predicted_norm"] = std::string(1, choice.acc_norm);
      }
      // Letters a tool chose itself (score --from, OpenCompass PPL) come without acc_norm, or none.
      if (!row["predicted"].is_null()) o.predicted = row["predicted"].get<std::string>();
      if (row.contains("predicted_norm") && !row["predicted_norm"].is_null())
        o.predicted_norm = row["predicted_norm"].get<std::string>();
    } else {
      if (!row.contains("predicted")) {
        auto ex = extract_answer_letters(row.at("output").get<std::string>(), letters);
        row["predicted"] = ex ? json(*ex) : json(nullptr);
      }
      if (!row["predicted"].is_null()) o.predicted = row["predicted"].get<std::string>();
    }
    row["correct"] = o.predicted.has_value() && *o.predicted == o.gold;
    scorer_.add(o);
  }

  void add(const ChoiceOutcome& o) { scorer_.add(o); }

  ScoreReport report() const override {
    ScoreReport r = scorer_.report();
    for (const auto& [k, v] : details_.items()) r.details[k] = v;
    return r;
  }

  ComparisonReport compare(const SuiteScorer& b, int, uint64_t) const override {
    const auto* other = dynamic_cast<const CMExamScorer*>(&b);
    if (!other) throw std::logic_error("CMExamScorer::compare: the other scorer is not a CMExam scorer");
    return compare_accuracy(scorer_, other->scorer_);
  }

  json& details() { return details_; }

 private:
  std::string mode_;
  AccuracyScorer scorer_;
  json details_ = json::object();
};

// One `score` predictions record against its question (see the header for the layouts).
ChoiceOutcome outcome_of(const json& j, const CMExamQuestion& q, const std::string& id, const std::string& mode,
                         const std::string& path, long line) {
  ChoiceOutcome o;
  o.id = id;
  o.gold = q.answer;
  o.annotations = q.annotations;
  std::string valid;
  for (const auto& opt : q.options) valid.push_back(opt.first);
  if (mode == "generate") {
    if (!j.contains("output")) throw error_at_line(path, line, "missing field 'output' (generate mode)");
    try {
      o.predicted = extract_answer_letters(prediction_text_field(j, "output", path, line), valid);
    } catch (const InputError& e) {
      if (e.file() == path) throw;
      throw error_at_line(path, line, e.problem());
    }
  } else if (j.contains("logprobs")) {
    const auto& lp = j["logprobs"];
    if (!lp.is_object()) throw error_at_line(path, line, "field 'logprobs' must be an object {\"A\": logprob, ...}");
    std::map<char, double> scores;
    for (const auto& [key, value] : lp.items()) {
      if (key.size() != 1 || !value.is_number())
        throw error_at_line(path, line, "'logprobs' entry '" + key + "' is not a letter with a number");
      scores[key[0]] = value.get<double>();
    }
    try {
      const LoglikChoice c = loglik_choice(scores, q.options);
      o.predicted = std::string(1, c.acc);
      o.predicted_norm = std::string(1, c.acc_norm);
    } catch (const std::invalid_argument& e) {
      throw error_at_line(path, line, e.what());
    }
  } else if (j.contains("choice")) {
    const std::string c = prediction_text_field(j, "choice", path, line);
    if (c.empty()) {
      o.predicted = std::nullopt;
    } else {
      std::string letters = c;
      std::sort(letters.begin(), letters.end());
      for (char l : letters)
        if (valid.find(l) == std::string::npos)
          throw error_at_line(path, line, "choice '" + c + "' names no option of question '" + id + "'");
      o.predicted = letters;
    }
  } else {
    throw error_at_line(path, line, "missing field 'choice' or 'logprobs' (loglik mode)");
  }
  return o;
}

}  // namespace

std::vector<SuiteItem> CMExamSuite::build_items(const SuiteOptions& spec, ReadReport& report) const {
  const std::string mode = resolve_mode(spec.mode);
  ReadOptions ro;
  ro.lenient = spec.lenient;
  auto test = read_cmexam(spec.data, ro);
  report = test.report;
  Dataset<CMExamQuestion> train;
  CMExamPromptOptions opts;
  opts.k_shot = spec.k_shot;
  opts.seed = spec.seed;
  if (spec.k_shot > 0) {
    if (spec.train_data.empty())
      throw InputError("--k-shot", "", "few-shot evaluation needs a training file (train_data)");
    train = read_cmexam(spec.train_data);
    opts.train = &train.records;
  }
  if (spec.continuation == "text")
    opts.style = ContinuationStyle::kText;
  else if (spec.continuation != "letter")
    throw InputError("continuation", "'" + spec.continuation + "'", "must be 'letter' or 'text'");
  if (spec.max_new_tokens > 0) opts.max_new_tokens = spec.max_new_tokens;

  std::vector<SuiteItem> items;
  for (const auto& q : test.records) {
    if (spec.limit > 0 && static_cast<long>(items.size()) >= spec.limit) break;
    auto req = build_cmexam_requests(q, opts);
    SuiteItem it;
    std::string letters;
    for (auto& [letter, text] : q.options) letters += letter;
    it.log = {{"id", q.id}, {"gold", q.answer}, {"options", letters}, {"annotations", q.annotations},
              {"shot_ids", req.shot_ids}};
    it.query = q.question;
    it.is_loglik = mode == "loglik";
    if (it.is_loglik) {
      it.loglik = std::move(req.loglik);
      it.log["continuations"] = it.loglik.continuations;
    } else {
      it.generate = std::move(req.generate);
    }
    items.push_back(std::move(it));
  }
  return items;
}

std::unique_ptr<SuiteScorer> CMExamSuite::new_scorer(const SuiteOptions& options) const {
  return std::make_unique<CMExamScorer>(resolve_mode(options.mode));
}

std::unique_ptr<SuiteScorer> CMExamSuite::score_predictions(const std::filesystem::path& predictions,
                                                            const SuiteOptions& options) const {
  if (options.data.empty()) throw InputError("--data", "missing", "--suite cmexam needs --data CMEXAM.csv");
  if (!options.mode.empty()) resolve_mode(options.mode);
  const std::string path = predictions.string(), data = options.data.string();
  ReadOptions read_options;
  read_options.lenient = options.lenient;
  auto dataset = read_cmexam(options.data, read_options);
  std::unordered_map<std::string, CMExamQuestion> questions;
  for (auto& q : dataset.records) {
    std::string id = q.id;
    questions.emplace(std::move(id), std::move(q));
  }
  std::unique_ptr<CMExamScorer> scorer;
  std::string mode = options.mode;
  size_t seen = 0;
  for_each_jsonl_object(path, [&](const json& j, long line, long record) {
    const std::string id = prediction_item_id(j, path, line, record);
    auto q = questions.find(id);
    if (q == questions.end()) throw error_at_line(path, line, "id '" + id + "' is not a question of " + data);
    const bool has_output = j.contains("output"), has_loglik = j.contains("choice") || j.contains("logprobs");
    if (mode.empty()) mode = has_output ? "generate" : has_loglik ? "loglik" : "";
    if (mode.empty()) throw error_at_line(path, line, "record has none of 'output', 'choice', 'logprobs'");
    if (!scorer) scorer = std::make_unique<CMExamScorer>(mode);
    try {
      scorer->add(outcome_of(j, q->second, id, mode, path, line));
    } catch (const InputError& e) {
      if (e.file() == path) throw;
      throw error_at_line(path, line, e.where() + ": " + e.problem());
    }
    ++seen;
  });
  if (seen != questions.size())
    throw error_in_file(path, std::to_string(questions.size() - seen) + " of the " + std::to_string(questions.size()) +
                                  " questions of " + data + " have no prediction");
  // Questions the reader skipped (lenient) are not scored; say how many and why.
  json errors = json::array();
  for (size_t i = 0; i < dataset.report.errors.size() && i < 20; ++i) errors.push_back(dataset.report.errors[i].what());
  scorer->details()["data"] = {{"file", data}, {"questions", dataset.report.records_read},
                               {"skipped", dataset.report.records_skipped}, {"skipped_errors", errors}};
  return scorer;
}

}  // namespace qb
