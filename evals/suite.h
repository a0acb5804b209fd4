// A suite, as lm-evaluation-harness splits the work: it reads its data, turns every item into a
// typed request (suites/requests.h), and scores the answered rows; a backend (backends/backend.h)
// only answers requests and never sees a suite. CMExam (cmexam_suite.h) and Huatuo-26M
// (huatuo_suite.h) are the two built in; a new suite is one file pair implementing this interface
// plus one register_suite() call (suite_registry.h).
//
// A row is one line of samples.jsonl: the item's log (id, prompt, gold …), the backend's answer
// (loglik: "logprob" and "n_tokens" per continuation; generate: the suite's generation_field(),
// "n_tokens", "finish_reason"), and what scoring adds (CMExam "predicted", "correct"; Huatuo
// per-item "scores"). `eval`, `run`, `score` and `gate` all score through SuiteScorer.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "metrics/huatuo_scorer.h"
#include "metrics/score_report.h"
#include "suites/read_options.h"
#include "suites/requests.h"

namespace qb {

// How a suite reads its items and builds requests. The union over the built-in suites; a suite
// reads the fields that apply to it (each suite's header says which).
struct SuiteOptions {
  std::string mode;                  // "loglik" | "generate"; empty = the suite's first mode
  std::filesystem::path data;        // the test file
  std::filesystem::path train_data;  // few-shot examples (CMExam, k_shot > 0)
  long limit = 0;                    // first N items; 0 = all
  bool lenient = false;              // skip bad records (each reported) instead of stopping
  int k_shot = 0;
  uint64_t seed = 1234;              // few-shot draw and sampling
  std::string continuation = "letter";  // CMExam loglik: "letter" or "text" (cloze)
  int max_new_tokens = 0;            // 0 = the suite's default
  std::string prompt_template;       // Huatuo: "{question}" template; empty = the suite's default
  // Text metrics (segmenter, BLEU aggregation, ROUGE n-gram mode, bootstrap, threads). The
  // threads change speed only and are not part of to_json().
  HuatuoScoreOptions scoring;

  // Everything above that changes results (per-sample logs, metrics.json, cache keys).
  nlohmann::json to_json() const;
};

// One item: what the per-sample log records before the answer, and the request to answer.
struct SuiteItem {
  nlohmann::json log;           // "id" first of all; then what the suite records (gold, options …)
  std::string query;            // the text a retriever searches with (RAG): the question
  bool is_loglik = false;       // which request below is asked
  LoglikRequest loglik;
  GenerateRequest generate;
  // The context (loglik) or prompt (generate): what retrieval and chat templates wrap.
  std::string& prompt() { return is_loglik ? loglik.context : generate.prompt; }
};

// Accumulates scored rows of one suite and mode.
class SuiteScorer {
 public:
  virtual ~SuiteScorer() = default;
  // Scores one answered row, adding its prediction fields to it. Rows must have unique ids.
  // Throws InputError("<row>", field, problem) for a row that lacks what scoring needs.
  virtual void add_row(nlohmann::json& row) = 0;
  virtual ScoreReport report() const = 0;
  // Paired test of `b` (same suite, mode and options) against this scorer, items matched by id.
  virtual ComparisonReport compare(const SuiteScorer& b, int resamples, uint64_t seed) const = 0;
};

class Suite {
 public:
  virtual ~Suite() = default;
  virtual std::string name() const = 0;                // "cmexam", "huatuo26m" …
  virtual std::vector<std::string> modes() const = 0;  // the first is the default
  // The row field a generated text goes into ("output" for CMExam, "prediction" for Huatuo).
  virtual std::string generation_field() const { return "output"; }
  // Reads options.data and builds one item per record, in data order (at most options.limit).
  // report gets the reader's counts and skipped records.
  virtual std::vector<SuiteItem> build_items(const SuiteOptions& options, ReadReport& report) const = 0;
  // A scorer for rows of `options.mode` (keeps per-item statistics, so it can be compared).
  virtual std::unique_ptr<SuiteScorer> new_scorer(const SuiteOptions& options) const = 0;
  // `qilin-bench score`: reads a predictions file in the suite's own JSONL layout (each suite's
  // header documents it) and scores it. The returned scorer can be compared with another.
  virtual std::unique_ptr<SuiteScorer> score_predictions(const std::filesystem::path& predictions,
                                                         const SuiteOptions& options) const = 0;

  // options.mode, or the default mode; InputError("mode", mode, unsupported_mode(mode)) for
  // anything else.
  std::string resolve_mode(const std::string& mode) const;
  // Why `mode` cannot score this suite, for the error above. Default: names the suite's modes.
  virtual std::string unsupported_mode(const std::string& mode) const;
};

}  // namespace qb
