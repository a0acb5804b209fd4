// `qilin-bench score`: re-scores saved predictions without any model (SPEC §3, §4), through the
// suite's own scorer (evals/), the one every evaluation uses.
//   --suite huatuo26m (or huatuo): JSONL of {prediction, reference, id?} -> BLEU/ROUGE/GLEU/Distinct (x100)
//   --suite cmexam: JSONL of {id, output} (generate) or {id, choice | logprobs} (loglik)
//                   against the CMExam CSV given with --data -> accuracy, failures, breakdown
// Prints ONE JSON object (schema in docs/METRICS.md). Input is streamed: only per-item
// sufficient statistics are kept, never the texts.
#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

#include "common/atomic_file.h"
#include "common/error.h"
#include "evals/suite_registry.h"
#include "harness/commands.h"
#include "metrics/huatuo_options.h"

namespace qb::cli {

namespace {

struct ScoreArgs {
  std::string suite, predictions, data, compare, output, segmenter = "jieba", bleu_agg = "corpus",
      rouge = "set", mode;
  bool no_hmm = false, lenient_data = false;
  int smooth = 0, bootstrap = 1000;
  uint64_t seed = 12345;
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

void run_score(const ScoreArgs& a) {
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
    run_score(*args);
  });
}

}  // namespace qb::cli
