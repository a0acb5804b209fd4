// `qilin-bench score`: re-scores saved predictions without any model (SPEC §3, §4), through the
// suite's own scorer (evals/), the one every evaluation uses.
//   --suite huatuo26m (or huatuo): JSONL of {prediction, reference, id?} -> BLEU/ROUGE/GLEU/Distinct (x100)
//   --suite cmexam: JSONL of {id, output} (generate) or {id, choice | logprobs} (loglik)
//                   against the CMExam CSV given with --data -> accuracy, failures, breakdown
// Prints ONE JSON object (schema in docs/METRICS.md). Input is streamed: only per-item
// sufficient statistics are kept, never the texts.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <iostream>
#include <map>
#include <memory>
#include <optional>

#include "common/atomic_file.h"
#include "common/error.h"
#include "evals/suite_registry.h"
#include "harness/commands.h"
#include "metrics/huatuo_options.h"
#include "suites/cmexam_reader.h"
#include "suites/huatuo_reader.h"
#include "suites/prediction_formats.h"
#include "suites/prediction_references.h"

namespace qb::cli {

namespace {

struct ScoreArgs {
  std::string suite, predictions, data, compare, output, segmenter = "jieba", bleu_agg = "corpus",
      rouge = "set", mode;
  bool no_hmm = false, lenient_data = false;
  int smooth = 0, bootstrap = 1000;
  uint64_t seed = 12345;
  // Other tools' predictions (the block "Predictions written by other tools" below).
  std::string from, filter;
  std::vector<std::string> fields;  // "prediction=NAME", "reference=NAME", "id=NAME"
};

SuiteOptions suite_options(const ScoreArgs& a, bool keep_items) {
  SuiteOptions o;
  o.mode = a.mode;
  o.data = a.data;
  o.lenient = a.lenient_data;
  HuatuoScoreOptions& h = o.scoring;
  h.metric.segmenter.kind = a.segmenter;
  h.metric.segmenter.hmm = !a.no_hmm;
  h.metric.bleu_agg = parse_bleu_aggregation(a.bleu_agg, "--bleu-agg");
  h.metric.smooth = a.smooth;
  h.metric.rouge = parse_rouge_mode(a.rouge, "--rouge");
  h.bootstrap = a.bootstrap;
  h.seed = a.seed;
  h.keep_items = keep_items;
  h.threads = resolved_threads();
  return o;
}

// ---------------------------------------------------------------------------------------------
// Predictions written by other tools: `--from FORMAT`, `--field KEY=NAME`, or a layout recognised
// from the file's content (docs/FORMATS.md, "Predictions written by other tools").
// suites/prediction_formats.h reads such a file into typed records and suites/prediction_references.h
// pairs them with references (from the file, or --data by id or position); this block turns each
// into a row the suite's scorer takes (SuiteScorer::add_row, as for an evaluation's per-sample log)
// and puts the tool's own scores beside ours. qilin-bench's own JSONL keeps Suite::score_predictions.
// ---------------------------------------------------------------------------------------------

ForeignReadOptions foreign_read_options(const ScoreArgs& a) {
  ForeignReadOptions o;
  o.format = a.from;
  o.filter = a.filter;
  o.letters_answers = a.mode == "loglik";
  for (const std::string& f : a.fields) {
    const size_t eq = f.find('=');
    const std::string key = f.substr(0, eq), name = eq == std::string::npos ? "" : f.substr(eq + 1);
    std::string* slot = key == "prediction" ? &o.fields.prediction
                        : key == "reference" ? &o.fields.reference
                        : key == "id" ? &o.fields.id : nullptr;
    if (!slot || name.empty())
      throw InputError("--field", f, "expected prediction=NAME, reference=NAME or id=NAME");
    *slot = name;
  }
  return o;
}

// Whether `path` is read as another tool's layout: asked for (--from, --field), or recognised
// from its content. A file the guess cannot read, or that looks like our own, takes the native
// path, which reports its problems as it always has.
bool is_foreign(const ScoreArgs& a, const std::string& path) {
  if (a.from == "qilin") return false;
  if (!a.from.empty() || !a.fields.empty()) return true;
  try {
    // One candidate: that tool. Several, or one that also looks like ours: the reader names them.
    return !guess_prediction_format(path).candidates.empty();
  } catch (const InputError&) {
    return false;
  }
}

nlohmann::json source_json(const ForeignPredictions& p, const ReferenceMatch& m) {
  nlohmann::json s = {{"format", p.format}, {"layout", p.layout}, {"files", p.files},
                      {"records", p.records.size()}, {"references", m.references}};
  if (p.format == "lm-eval") s["filter"] = p.filter.empty() ? nlohmann::json("raw resps") : nlohmann::json(p.filter);
  if (!m.matched_by.empty()) s["matched_by"] = m.matched_by;
  if (m.references == "data")
    s["reference_disagreements"] = {{"count", m.disagreements}, {"examples", m.examples}};
  if (m.dropped > 0) s["dropped"] = {{"count", m.dropped}, {"examples", m.dropped_examples}};
  return s;
}

// Adds `row` to `scorer`; an error names the record's file and place.
void add_foreign_row(SuiteScorer& scorer, nlohmann::json& row, const ForeignPrediction& r) {
  try {
    scorer.add_row(row);
  } catch (const InputError& e) {
    throw r.error(e.file() == "<items>" ? e.where() + ": " + e.problem() : e.problem());
  } catch (const std::invalid_argument& e) {  // loglik_choice: an option without text
    throw r.error(e.what());
  }
}

std::unique_ptr<SuiteScorer> score_foreign_huatuo(const Suite& suite, const std::string& path, const ScoreArgs& a,
                                                  nlohmann::json& source, std::optional<ToolReport>& reported) {
  const ForeignPredictions p = read_foreign_predictions(path, foreign_read_options(a));
  std::optional<Dataset<HuatuoItem>> data;
  if (!a.data.empty()) {
    ReadOptions ro;
    ro.lenient = a.lenient_data;
    data = read_huatuo(a.data, ro);
  }
  ReferenceMatch match;
  const auto items = match_huatuo_references(p, data ? &*data : nullptr, a.data, match);
  SuiteOptions options = suite_options(a, true);
  options.data.clear();  // the references are paired already
  auto scorer = suite.new_scorer(options);
  for (const auto& item : items) {
    nlohmann::json row = {{"id", item.id}, {"prediction", item.prediction}, {"reference", item.reference}};
    add_foreign_row(*scorer, row, *item.source);
  }
  source = source_json(p, match);
  reported = p.reported;
  return scorer;
}

// A CMExam row (evals/cmexam_suite.h): generated text for extraction, the letters the tool chose,
// or one log-likelihood per option with the continuation whose length acc_norm divides by.
nlohmann::json foreign_cmexam_row(const ForeignCMExamItem& item, bool with_data) {
  const CMExamQuestion& q = item.question;
  const ForeignPrediction& r = *item.source;
  std::string letters;
  for (const auto& opt : q.options) letters.push_back(opt.first);
  nlohmann::json row = {{"id", q.id}, {"gold", q.answer}, {"options", letters}, {"annotations", q.annotations}};
  if (r.kind == ForeignAnswerKind::kText) {
    row["output"] = r.text;
  } else if (r.kind == ForeignAnswerKind::kLetters) {
    row["predicted"] = nullptr;  // blank: no answer (counted as an extraction failure)
    if (r.letters.find_first_not_of(" \t") != std::string::npos) {
      try {
        row["predicted"] = parse_cmexam_answer(r.letters, q.options, RecordLocation{r.file});
      } catch (const InputError& e) {
        throw r.error("prediction: " + e.problem());
      }
    }
  } else {
    if (r.choices.size() != q.options.size())
      throw r.error(std::to_string(r.choices.size()) + " choices, but question '" + q.id + "' has " +
                    std::to_string(q.options.size()) + " options");
    std::map<char, std::pair<double, std::string>> by_letter;  // acc_norm divides by the scored continuation's length
    for (const auto& c : r.choices) {
      const char label = item.choice_letters.empty() ? c.label : item.choice_letters.at(c.label);
      if (!q.options.count(label)) throw r.error(std::string("choice ") + label + " is not an option of question '" + q.id + "'");
      by_letter[label] = {c.logprob, c.continuation.empty() ? q.options.at(label) : c.continuation};
    }
    nlohmann::json lp = nlohmann::json::array(), texts = nlohmann::json::array();
    for (const auto& [letter, v] : by_letter) {
      if (v.second.empty())
        throw r.error(std::string("option ") + letter + " has no text to normalise acc_norm by" +
                      (with_data ? "" : "; pass --data for the option texts"));
      lp.push_back(v.first);
      texts.push_back(v.second);
    }
    row["logprob"] = lp;
    row["continuations"] = texts;
  }
  return row;
}

std::unique_ptr<SuiteScorer> score_foreign_cmexam(const Suite& suite, const std::string& path, const ScoreArgs& a,
                                                  const std::optional<Dataset<CMExamQuestion>>& data,
                                                  nlohmann::json& source, std::optional<ToolReport>& reported) {
  const ForeignPredictions p = read_foreign_predictions(path, foreign_read_options(a));
  ReferenceMatch match;
  const auto items = match_cmexam_references(p, data ? &*data : nullptr, a.data, match);
  const bool text = p.records.front().kind == ForeignAnswerKind::kText;
  for (const auto& r : p.records)
    if ((r.kind == ForeignAnswerKind::kText) != text)
      throw r.error("mixes generated text with chosen letters or log-likelihoods");
  const std::string mode = text ? "generate" : "loglik";
  if (!a.mode.empty() && a.mode != mode)
    throw InputError("--mode", a.mode, path + " holds " + (text ? "generated text" : "choices made by log-likelihood") +
                                           " (" + mode + " mode)");
  SuiteOptions options = suite_options(a, true);
  options.mode = mode;
  auto scorer = suite.new_scorer(options);
  for (const auto& item : items) {
    nlohmann::json row = foreign_cmexam_row(item, data.has_value());
    add_foreign_row(*scorer, row, *item.source);
  }
  source = source_json(p, match);
  reported = p.reported;
  return scorer;
}

// The tool's own scores beside ours, in the JSON and as a short table on stderr.
void add_tool_report(const ToolReport& t, nlohmann::json& result) {
  nlohmann::json scores = nlohmann::json::array();
  std::string table = fmt::format("{} reported its own scores ({}); qilin-bench's beside them:\n", t.tool, t.file);
  for (const ToolScore& s : t.scores) {
    nlohmann::json e = {{"name", s.name}, {"value", s.value}, {"percent", s.percent}, {"protocol", s.protocol}};
    table += fmt::format("  {:<34} {:>9.4f}  {}\n", t.tool + " " + s.name, s.percent, s.protocol);
    if (!s.ours.empty() && result["metrics"].contains(s.ours)) {
      const auto& m = result["metrics"][s.ours];
      e["ours"] = {{"metric", s.ours}, {"value", m["value"]}, {"signature", m["signature"]}};
      table += fmt::format("  {:<34} {:>9.4f}  {}\n", "qilin-bench " + s.ours, m["value"].get<double>(),
                           m["signature"].get<std::string>());
    }
    scores.push_back(std::move(e));
  }
  result["reported_by_tool"] = {{"tool", t.tool}, {"file", t.file}, {"scores", scores}};
  std::cerr << table;
}

// `score` when the predictions (or the --compare file) are another tool's. A --compare file in
// qilin-bench's own JSONL is scored by the suite as usual.
void run_foreign_score(const ScoreArgs& a) {
  const Suite& suite = find_suite(a.suite);
  const bool huatuo = suite.name() == "huatuo26m", compare = !a.compare.empty();
  nlohmann::json source, compare_source, data_json;
  std::optional<ToolReport> reported, ignored;
  std::optional<Dataset<CMExamQuestion>> questions;
  if (!huatuo && !a.data.empty()) {
    ReadOptions ro;
    ro.lenient = a.lenient_data;
    questions = read_cmexam(a.data, ro);
    nlohmann::json errors = nlohmann::json::array();
    for (size_t i = 0; i < questions->report.errors.size() && i < 20; ++i) errors.push_back(questions->report.errors[i].what());
    data_json = {{"file", a.data}, {"questions", questions->report.records_read},
                 {"skipped", questions->report.records_skipped}, {"skipped_errors", errors}};
  }
  auto score_file = [&](const std::string& path, nlohmann::json& src, std::optional<ToolReport>& rep) {
    if (!is_foreign(a, path)) return suite.score_predictions(path, suite_options(a, true));
    return huatuo ? score_foreign_huatuo(suite, path, a, src, rep) : score_foreign_cmexam(suite, path, a, questions, src, rep);
  };
  auto scorer = score_file(a.predictions, source, reported);
  nlohmann::json result = scorer->report().to_json();
  if (!data_json.is_null()) result["data"] = data_json;
  if (compare) {
    auto other = score_file(a.compare, compare_source, ignored);
    nlohmann::json c = scorer->compare(*other, a.bootstrap > 0 ? a.bootstrap : 1000, a.seed).to_json();
    const bool flat = !c.contains("metrics");
    c[flat ? "a_file" : "a"] = a.predictions;
    c[flat ? "b_file" : "b"] = a.compare;
    result["compare"] = c;
  }
  result["source"] = source;
  if (!compare_source.is_null()) result["compare_source"] = compare_source;
  if (reported) add_tool_report(*reported, result);
  result["predictions"] = a.predictions;
  const std::string text = result.dump(2) + "\n";
  if (!a.output.empty()) write_file_atomic(a.output, text);
  std::cout << text;
}

// ---------------------------------------------------------------------------------------------
// End of the block for other tools' predictions.
// ---------------------------------------------------------------------------------------------

void run_score(const ScoreArgs& a) {
  if (is_foreign(a, a.predictions)) return run_foreign_score(a);  // other tools' layouts (block above)
  const Suite& suite = find_suite(a.suite);
  const bool compare = !a.compare.empty();
  const SuiteOptions options = suite_options(a, compare);
  auto scorer = suite.score_predictions(a.predictions, options);
  nlohmann::json result = scorer->report().to_json();
  if (compare) {
    auto other = suite.score_predictions(a.compare, options);
    nlohmann::json c = scorer->compare(*other, a.bootstrap > 0 ? a.bootstrap : 1000, a.seed).to_json();
    // Which file is which: McNemar's flat object names them a_file/b_file, the bootstrap's a/b.
    const bool flat = !c.contains("metrics");
    c[flat ? "a_file" : "a"] = a.predictions;
    c[flat ? "b_file" : "b"] = a.compare;
    result["compare"] = c;
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
  sub->add_option("--suite", args->suite, "huatuo26m (alias huatuo: BLEU/ROUGE/GLEU/Distinct) or cmexam (accuracy)")
      ->required();
  sub->add_option("--predictions", args->predictions,
                  "JSONL: huatuo {prediction, reference, id?}; cmexam {id, output} or {id, choice|logprobs}")
      ->required();
  sub->add_option("--data", args->data,
                  "cmexam: the CMExam CSV the predictions answer; other tools' files: the suite's dataset, for "
                  "references the file lacks (matched by id, else by position)");
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
  // Other tools' predictions (the block "Predictions written by other tools" above).
  std::vector<std::string> formats = prediction_format_names();
  formats.push_back("qilin");
  sub->add_option("--from", args->from,
                  "read another tool's predictions: llamafactory, lm-eval, opencompass, evalscope, cmexam-csv, "
                  "fields (with --field), or qilin (our own JSONL); default: recognised from the content")
      ->check(CLI::IsMember(formats));
  sub->add_option("--field", args->fields,
                  "for any other JSONL/CSV: prediction=NAME (required), reference=NAME, id=NAME (JSON keys may be "
                  "dotted paths); references missing from the file come from --data")
      ->take_all();
  sub->add_option("--filter", args->filter,
                  "lm-eval: score the filtered responses of filter NAME (default: the raw responses); for files of "
                  "lm-eval < 0.4.7, the 1-based filter position");
  sub->callback([args] {
    if (args->bleu_agg == "corpus" && args->smooth != 0)
      throw InputError("--smooth", "value " + std::to_string(args->smooth),
                       "smoothing applies to --bleu-agg sentence only (corpus BLEU is nmt's unsmoothed definition)");
    if (!is_foreign(*args, args->predictions) && (!args->fields.empty() || !args->filter.empty()))  // other tools' options
      throw InputError(args->fields.empty() ? "--filter" : "--field", args->predictions,
                       "applies to other tools' files, not to qilin-bench's own JSONL (--from qilin)");
    run_score(*args);
  });
}

}  // namespace qb::cli
