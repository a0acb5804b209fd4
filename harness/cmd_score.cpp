// `qilin-bench score`: re-scores saved predictions without any model (SPEC §3, §4).
//   --suite huatuo: JSONL of {prediction, reference, id?} -> BLEU/ROUGE/GLEU/Distinct (x100)
//   --suite cmexam: JSONL of {id, output} (generate) or {id, choice | logprobs} (loglik)
//                   against the CMExam CSV given with --data -> accuracy, failures, breakdown
// Prints ONE JSON object (schema in docs/METRICS.md). Input is streamed: only per-item
// sufficient statistics are kept, never the texts.
#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <unordered_map>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/string_index.h"
#include "harness/commands.h"
#include "harness/flat_json_record.h"
#include "metrics/accuracy_scorer.h"
#include "metrics/answer_extraction.h"
#include "metrics/huatuo_scorer.h"
#include "metrics/loglik_choice.h"
#include "suites/cmexam_reader.h"

namespace qb::cli {

namespace {

struct ScoreArgs {
  std::string suite, predictions, data, compare, output, segmenter = "jieba", bleu_agg = "corpus",
      rouge = "set", mode;
  bool no_hmm = false, lenient_data = false;
  int smooth = 0, bootstrap = 1000;
  uint64_t seed = 12345;
};

// The non-blank lines of a JSONL file with their line numbers, in batches (the file is
// streamed). Blank lines are allowed only at the end of the file: a record after one is an
// error, thrown by the next call after the lines before it were handed out (so an error on
// an earlier line is reported first).
class JsonlLines {
 public:
  explicit JsonlLines(const std::string& path) : path_(path), in_(path, std::ios::binary) {
    if (!in_) throw error_in_file(path, "cannot open file");
  }
  // Replaces `lines`/`line_nos` with up to `max` records; false when there are none left.
  bool next(std::vector<std::string>& lines, std::vector<long>& line_nos, size_t max) {
    if (blank_error_) throw error_at_line(path_, blank_since_, "blank line inside a JSONL file");
    size_t n = 0;
    if (lines.size() < max) lines.resize(max);
    line_nos.clear();
    while (n < max && std::getline(in_, lines[n])) {
      std::string& line = lines[n];
      ++line_no_;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.find_first_not_of(" \t") == std::string::npos) {
        if (!blank_since_) blank_since_ = line_no_;
        continue;
      }
      if (blank_since_) {
        blank_error_ = true;
        break;
      }
      if (line_no_ == 1 && line.compare(0, 3, "\xEF\xBB\xBF") == 0) line.erase(0, 3);
      line_nos.push_back(line_no_);
      ++n;
      ++records_;
    }
    if (n == 0 && blank_error_) throw error_at_line(path_, blank_since_, "blank line inside a JSONL file");
    if (n == 0 && records_ == 0) throw error_in_file(path_, "no records (empty file)");
    return n > 0;
  }
  long records() const { return records_; }

 private:
  std::string path_;
  std::ifstream in_;
  long line_no_ = 0, blank_since_ = 0, records_ = 0;
  bool blank_error_ = false;
};

// One record: a JSON object, or an error naming the file and line.
nlohmann::json parse_record(const std::string& line, const std::string& path, long line_no) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(line);
  } catch (const nlohmann::json::parse_error& e) {
    throw error_at_line(path, line_no, std::string("invalid JSON: ") + e.what());
  }
  if (!j.is_object()) throw error_at_line(path, line_no, "expected a JSON object");
  return j;
}

// Streams the JSON objects of a JSONL file with their line numbers and record numbers.
template <class Fn>
void for_each_jsonl(const std::string& path, Fn&& fn) {
  JsonlLines reader(path);
  std::vector<std::string> lines;
  std::vector<long> line_nos;
  long record = 0;
  while (reader.next(lines, line_nos, 256))
    for (size_t i = 0; i < line_nos.size(); ++i) fn(parse_record(lines[i], path, line_nos[i]), line_nos[i], ++record);
}

// A string field; null counts as "" (an empty output scores 0 and is counted, never dropped).
std::string text_field(const nlohmann::json& j, const char* name, const std::string& path, long line) {
  auto it = j.find(name);
  if (it == j.end()) throw error_at_line(path, line, std::string("missing field '") + name + "'");
  if (it->is_null()) return "";
  if (!it->is_string()) throw error_at_line(path, line, std::string("field '") + name + "' is not a string");
  return it->get<std::string>();
}

// The item id: `id` (string or integer) if present, else the 1-based record number.
std::string item_id(const nlohmann::json& j, const std::string& path, long line, long record) {
  auto it = j.find("id");
  if (it == j.end() || it->is_null()) return std::to_string(record);
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<long long>());
  throw error_at_line(path, line, "field 'id' is neither a string nor an integer");
}

// A huatuo record's id, prediction and reference, with the rules of item_id and text_field.
// Flat records take the fast path (flat_json_record.h); anything else goes through nlohmann.
void read_huatuo_record(const std::string& line, const std::string& path, long line_no, long record,
                        HuatuoScorer::Pair& p) {
  thread_local std::vector<FlatJsonField> fields;
  if (!parse_flat_json_object(line, fields)) {
    const nlohmann::json j = parse_record(line, path, line_no);
    p.id = item_id(j, path, line_no, record);
    p.prediction = text_field(j, "prediction", path, line_no);
    p.reference = text_field(j, "reference", path, line_no);
    return;
  }
  auto find = [&](const char* name) -> FlatJsonField* {
    for (auto& f : fields)
      if (f.key == name) return &f;
    return nullptr;
  };
  const FlatJsonField* id = find("id");
  if (id == nullptr || id->kind == FlatJsonField::kNull)
    p.id = std::to_string(record);
  else if (id->kind == FlatJsonField::kString)
    p.id = std::move(find("id")->text);
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

HuatuoScoreOptions huatuo_options(const ScoreArgs& a, bool keep_items) {
  HuatuoScoreOptions o;
  o.metric.segmenter.kind = a.segmenter;
  o.metric.segmenter.hmm = !a.no_hmm;
  o.metric.bleu_agg = a.bleu_agg == "corpus" ? BleuAggregation::kCorpus : BleuAggregation::kSentenceMean;
  o.metric.smooth = a.smooth;
  o.metric.rouge = a.rouge == "set" ? RougeNgramMode::kSet : RougeNgramMode::kCount;
  o.bootstrap = a.bootstrap;
  o.seed = a.seed;
  o.keep_items = keep_items;
  o.threads = resolved_threads();
  return o;
}

// Records are parsed and scored on the compute threads, a batch at a time (memory stays flat
// in the number of pairs: a batch's texts are dropped after it); ids are checked in file order.
std::unique_ptr<HuatuoScorer> score_huatuo_file(const std::string& path, const ScoreArgs& a, bool keep_items) {
  auto scorer = std::make_unique<HuatuoScorer>(huatuo_options(a, keep_items));
  const int threads = resolved_threads();
  JsonlLines reader(path);
  std::vector<std::string> lines;
  std::vector<long> line_nos;
  StringIndex ids;  // ids are small; texts are not kept
  std::vector<long> id_lines;  // the line of each id's record
  long first_record = 1;
  while (reader.next(lines, line_nos, 1024)) {
    auto make = [&](size_t i, HuatuoScorer::Pair& p) {
      read_huatuo_record(lines[i], path, line_nos[i], first_record + static_cast<long>(i), p);
    };
    auto accept = [&](size_t i, const HuatuoScorer::Pair& p) {
      const auto [number, fresh] = ids.insert(p.id);
      if (!fresh)
        throw error_at_line(path, line_nos[i], "id '" + p.id + "' already appeared on line " + std::to_string(id_lines[number]));
      id_lines.push_back(line_nos[i]);
    };
    try {
      scorer->add_batch(line_nos.size(), make, accept, threads);
    } catch (const InputError& e) {
      if (e.file() != "<batch>") throw;  // already names the file and line
      const size_t k = std::stoul(e.where().substr(5));
      throw error_at_line(path, line_nos.at(std::min(k, line_nos.size() - 1)), e.problem());
    }
    first_record += static_cast<long>(line_nos.size());
  }
  return scorer;
}

std::unique_ptr<AccuracyScorer> score_cmexam_file(const std::string& path, const ScoreArgs& a,
                                                  const std::unordered_map<std::string, CMExamQuestion>& questions) {
  std::unique_ptr<AccuracyScorer> scorer;
  std::string mode = a.mode;
  size_t seen = 0;
  for_each_jsonl(path, [&](const nlohmann::json& j, long line, long record) {
    const std::string id = item_id(j, path, line, record);
    auto q = questions.find(id);
    if (q == questions.end()) throw error_at_line(path, line, "id '" + id + "' is not a question of " + a.data);
    const bool has_output = j.contains("output"), has_loglik = j.contains("choice") || j.contains("logprobs");
    if (mode.empty()) mode = has_output ? "generate" : has_loglik ? "loglik" : "";
    if (mode.empty()) throw error_at_line(path, line, "record has none of 'output', 'choice', 'logprobs'");
    if (!scorer) scorer = std::make_unique<AccuracyScorer>(mode == "generate" ? ChoiceMode::kGenerate : ChoiceMode::kLoglik);
    ChoiceOutcome o;
    o.id = id;
    o.gold = q->second.answer;
    o.annotations = q->second.annotations;
    std::string valid;
    for (const auto& opt : q->second.options) valid.push_back(opt.first);
    if (mode == "generate") {
      if (!has_output) throw error_at_line(path, line, "missing field 'output' (generate mode)");
      try {
        o.predicted = extract_answer_letters(text_field(j, "output", path, line), valid);
      } catch (const InputError& e) {
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
        const LoglikChoice c = loglik_choice(scores, q->second.options);
        o.predicted = std::string(1, c.acc);
        o.predicted_norm = std::string(1, c.acc_norm);
      } catch (const std::invalid_argument& e) {
        throw error_at_line(path, line, e.what());
      }
    } else if (j.contains("choice")) {
      const std::string c = text_field(j, "choice", path, line);
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
    try {
      scorer->add(o);
    } catch (const InputError& e) {
      throw error_at_line(path, line, e.where() + ": " + e.problem());
    }
    ++seen;
  });
  if (seen != questions.size())
    throw error_in_file(path, std::to_string(questions.size() - seen) + " of the " + std::to_string(questions.size()) +
                                  " questions of " + a.data + " have no prediction");
  return scorer;
}

void run_score(const ScoreArgs& a) {
  nlohmann::json result;
  if (a.suite == "huatuo") {
    const bool compare = !a.compare.empty();
    auto scorer = score_huatuo_file(a.predictions, a, compare);
    result = scorer->result();
    if (compare) {
      auto other = score_huatuo_file(a.compare, a, true);
      result["compare"] = compare_huatuo(*scorer, *other, a.bootstrap > 0 ? a.bootstrap : 1000, a.seed);
      result["compare"]["a"] = a.predictions;
      result["compare"]["b"] = a.compare;
    }
  } else {
    if (a.data.empty()) throw InputError("--data", "missing", "--suite cmexam needs --data CMEXAM.csv");
    std::unordered_map<std::string, CMExamQuestion> questions;
    ReadOptions read_options;
    read_options.lenient = a.lenient_data;
    auto dataset = read_cmexam(a.data, read_options);
    for (auto& q : dataset.records) {
      std::string id = q.id;
      questions.emplace(std::move(id), std::move(q));
    }
    auto scorer = score_cmexam_file(a.predictions, a, questions);
    result = scorer->result();
    // Questions the reader skipped (--lenient-data) are not scored; say how many and why.
    nlohmann::json errors = nlohmann::json::array();
    for (size_t i = 0; i < dataset.report.errors.size() && i < 20; ++i) errors.push_back(dataset.report.errors[i].what());
    result["data"] = {{"file", a.data}, {"questions", dataset.report.records_read},
                      {"skipped", dataset.report.records_skipped}, {"skipped_errors", errors}};
    if (!a.compare.empty()) {
      auto other = score_cmexam_file(a.compare, a, questions);
      result["compare"] = compare_accuracy(*scorer, *other);
      result["compare"]["a_file"] = a.predictions;
      result["compare"]["b_file"] = a.compare;
    }
  }
  result["predictions"] = a.predictions;
  const std::string text = result.dump(2) + "\n";
  if (!a.output.empty()) write_file_atomic(a.output, text);
  std::cout << text;
}

}  // namespace

void add_score(CLI::App& app) {
  auto args = std::make_shared<ScoreArgs>();
  auto* sub = app.add_subcommand("score", "re-score saved predictions without any model");
  sub->add_option("--suite", args->suite, "huatuo (BLEU/ROUGE/GLEU/Distinct) or cmexam (accuracy)")
      ->required()
      ->check(CLI::IsMember({"huatuo", "cmexam"}));
  sub->add_option("--predictions", args->predictions,
                  "JSONL: huatuo {prediction, reference, id?}; cmexam {id, output} or {id, choice|logprobs}")
      ->required();
  sub->add_option("--data", args->data, "cmexam: the CMExam CSV the predictions answer");
  sub->add_flag("--lenient-data", args->lenient_data,
                "cmexam: skip unreadable questions of --data (e.g. an Answer cell 'nan'), counted under \"data\"");
  sub->add_option("--mode", args->mode, "cmexam: generate or loglik (default: from the first record)")
      ->check(CLI::IsMember({"generate", "loglik"}));
  sub->add_option("--segmenter", args->segmenter, "words for BLEU/GLEU/Distinct: jieba (default), char, icu")
      ->check(CLI::IsMember({"jieba", "char", "icu"}));
  sub->add_flag("--no-hmm", args->no_hmm, "jieba without its HMM for unknown words");
  sub->add_option("--bleu-agg", args->bleu_agg, "corpus (nmt compute_bleu, default) or sentence (NLTK mean)")
      ->check(CLI::IsMember({"corpus", "sentence"}));
  sub->add_option("--smooth", args->smooth, "NLTK smoothing method for --bleu-agg sentence: 0-5 or 7")
      ->check(CLI::IsMember({0, 1, 2, 3, 4, 5, 7}));
  sub->add_option("--rouge", args->rouge, "ROUGE-1/2 over n-gram sets (default) or counts")
      ->check(CLI::IsMember({"set", "count"}));
  sub->add_option("--bootstrap", args->bootstrap, "bootstrap resamples for 95% intervals (0 = none)")
      ->check(CLI::Range(0, 1000000));
  sub->add_option("--seed", args->seed, "bootstrap seed");
  sub->add_option("--compare", args->compare, "OTHER predictions of the same items: paired test, delta = OTHER (b) - --predictions (a)");
  sub->add_option("-o,--output", args->output, "also write the JSON to this file (atomically)");
  sub->callback([args] {
    if (args->bleu_agg == "corpus" && args->smooth != 0)
      throw InputError("--smooth", "value " + std::to_string(args->smooth),
                       "smoothing applies to --bleu-agg sentence only (corpus BLEU is nmt's unsmoothed definition)");
    if (args->suite == "huatuo" && !args->data.empty())
      throw InputError("--data", args->data, "--suite huatuo reads references from the predictions file");
    run_score(*args);
  });
}

}  // namespace qb::cli
