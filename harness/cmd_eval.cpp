// `qilin-bench eval`: runs a checkpoint on a suite through the inference engine and
// writes per-sample logs (samples.jsonl) and metrics (metrics.json) computed by metrics/.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/error.h"
#include "harness/commands.h"
#include "metrics/accuracy_scorer.h"
#include "metrics/answer_extraction.h"
#include "metrics/huatuo_scorer.h"
#include "metrics/loglik_choice.h"
#include "suites/cmexam_reader.h"
#include "suites/cmexam_requests.h"
#include "suites/huatuo_reader.h"
#include "suites/huatuo_requests.h"
#include "trainers/engine.h"

namespace qb::cli {

namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

struct EvalOptions {
  std::string model, suite, data, mode = "loglik", out;
  long limit = 0;
  int batch_size = 8;
  int max_new_tokens = 0;  // 0 = the suite's default
  int bootstrap = 1000;
  bool lenient = false;
};

// What the reader skipped in lenient mode, for metrics.json.
ordered_json read_summary(const ReadReport& r) {
  ordered_json errors = ordered_json::array();
  for (size_t i = 0; i < r.errors.size() && i < 20; ++i) errors.push_back(r.errors[i].what());
  return {{"layout", r.layout}, {"records_read", r.records_read}, {"records_skipped", r.records_skipped},
          {"first_errors", errors}};
}

// Work goes to the engine in chunks so progress can be reported between them.
template <class F>
void in_chunks(size_t n, size_t chunk, const char* what, F&& f) {
  const auto start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < n; i += chunk) {
    const size_t end = std::min(n, i + chunk);
    f(i, end);
    if (!global_options().quiet) {
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::cerr << "eval: " << what << " " << end << "/" << n << " (" << static_cast<long>(s) << " s)\n";
    }
  }
}

std::string letter_set(char c) { return std::string(1, c); }

ordered_json eval_cmexam(const EvalOptions& o, Engine& engine, AtomicFileWriter& log) {
  ReadOptions ropts;
  ropts.lenient = o.lenient;
  auto data = read_cmexam(o.data, ropts);
  auto& qs = data.records;
  if (o.limit > 0 && static_cast<long>(qs.size()) > o.limit) qs.resize(o.limit);
  if (qs.empty()) throw InputError(o.data, "data", "holds no questions");
  const bool loglik = o.mode == "loglik";
  AccuracyScorer scorer(loglik ? ChoiceMode::kLoglik : ChoiceMode::kGenerate);
  CMExamPromptOptions popts;
  if (o.max_new_tokens > 0) popts.max_new_tokens = o.max_new_tokens;
  const size_t chunk = static_cast<size_t>(std::max(1, o.batch_size)) * 4;

  in_chunks(qs.size(), chunk, "questions", [&](size_t begin, size_t end) {
    std::vector<CMExamRequests> reqs;
    for (size_t i = begin; i < end; ++i) reqs.push_back(build_cmexam_requests(qs[i], popts));
    std::vector<LoglikResult> ll;
    std::vector<GenerateResult> gen;
    if (loglik) {
      std::vector<LoglikRequest> r;
      for (auto& x : reqs) r.push_back(x.loglik);
      ll = engine.loglik(r);
    } else {
      std::vector<GenerateRequest> r;
      for (auto& x : reqs) r.push_back(x.generate);
      gen = engine.generate(r);
    }
    for (size_t i = begin; i < end; ++i) {
      const CMExamQuestion& q = qs[i];
      ChoiceOutcome out;
      out.id = q.id;
      out.gold = q.answer;
      for (const char* col : kCMExamAnnotationColumns)
        if (auto it = q.annotations.find(col); it != q.annotations.end()) out.annotations[col] = it->second;
      ordered_json rec;
      rec["id"] = q.id;
      rec["prompt"] = reqs[i - begin].loglik.context;
      if (loglik) {
        const LoglikResult& r = ll[i - begin];
        std::map<char, double> lp;
        ordered_json scores = ordered_json::object();
        size_t k = 0;
        for (const auto& [letter, text] : q.options) {
          lp[letter] = r.logprob[k];
          scores[std::string(1, letter)] = {{"continuation", reqs[i - begin].loglik.continuations[k]},
                                            {"logprob", r.logprob[k]},
                                            {"n_tokens", r.n_tokens[k]},
                                            {"n_chars", r.n_chars[k]},
                                            {"is_greedy", static_cast<bool>(r.is_greedy[k])}};
          ++k;
        }
        const LoglikChoice choice = loglik_choice(lp, q.options);
        out.predicted = letter_set(choice.acc);
        out.predicted_norm = letter_set(choice.acc_norm);
        rec["option_scores"] = scores;
        rec["answer"] = *out.predicted;
        rec["answer_norm"] = *out.predicted_norm;
      } else {
        const GenerateResult& g = gen[i - begin];
        std::string valid;
        for (const auto& [letter, text] : q.options) valid += letter;
        out.predicted = extract_answer_letters(g.text, valid);
        rec["prompt"] = reqs[i - begin].generate.prompt;
        rec["output"] = g.text;
        rec["finish_reason"] = g.finish_reason;
        rec["n_tokens"] = g.n_tokens;
        rec["answer"] = out.predicted ? ordered_json(*out.predicted) : ordered_json(nullptr);
      }
      rec["gold"] = q.answer;
      rec["correct"] = out.predicted && *out.predicted == q.answer;
      scorer.add(out);
      log.write(rec.dump() + "\n");
    }
  });
  auto result = ordered_json::parse(scorer.result().dump());
  result["read"] = read_summary(data.report);
  return result;
}

ordered_json eval_huatuo(const EvalOptions& o, Engine& engine, AtomicFileWriter& log) {
  if (o.mode != "generate") throw InputError("--mode", "value", "huatuo is open-ended QA: use --mode generate");
  ReadOptions ropts;
  ropts.lenient = o.lenient;
  auto data = read_huatuo(o.data, ropts);
  auto& items = data.records;
  if (o.limit > 0 && static_cast<long>(items.size()) > o.limit) items.resize(o.limit);
  if (items.empty()) throw InputError(o.data, "data", "holds no questions");
  HuatuoPromptOptions popts;
  if (o.max_new_tokens > 0) popts.max_new_tokens = o.max_new_tokens;
  HuatuoScoreOptions sopts;
  sopts.bootstrap = o.bootstrap;
  sopts.keep_items = true;
  HuatuoScorer scorer(sopts);
  const size_t chunk = static_cast<size_t>(std::max(1, o.batch_size)) * 2;
  in_chunks(items.size(), chunk, "questions", [&](size_t begin, size_t end) {
    std::vector<GenerateRequest> reqs;
    for (size_t i = begin; i < end; ++i) reqs.push_back(build_huatuo_request(items[i], popts));
    auto gen = engine.generate(reqs);
    for (size_t i = begin; i < end; ++i) {
      const HuatuoItem& item = items[i];
      const GenerateResult& g = gen[i - begin];
      scorer.add(item.id, g.text, item.answers[0]);
      const HuatuoItemStats& s = scorer.items().back();
      ordered_json rec;
      rec["id"] = item.id;
      rec["prompt"] = reqs[i - begin].prompt;
      rec["output"] = g.text;
      rec["finish_reason"] = g.finish_reason;
      rec["n_tokens"] = g.n_tokens;
      rec["reference"] = item.answers[0];
      rec["score"] = {{"rouge1_f", 100 * s.rouge1.f}, {"rouge2_f", 100 * s.rouge2.f}, {"rougeL_f", 100 * s.rouge_l.f}};
      log.write(rec.dump() + "\n");
    }
  });
  auto result = ordered_json::parse(scorer.result().dump());
  result["read"] = read_summary(data.report);
  return result;
}

}  // namespace

void add_eval(CLI::App& app) {
  auto o = std::make_shared<EvalOptions>();
  auto* sub = app.add_subcommand("eval", "evaluate a checkpoint on a suite and write per-sample logs and metrics");
  sub->add_option("--model", o->model, "checkpoint directory (config.json, safetensors, tokenizer.json)")->required();
  sub->add_option("--suite", o->suite, "cmexam or huatuo")->required()->check(CLI::IsMember({"cmexam", "huatuo"}));
  sub->add_option("--data", o->data, "the suite's data file")->required();
  sub->add_option("--mode", o->mode, "loglik (cmexam only) or generate; default loglik for cmexam, generate for huatuo")
      ->check(CLI::IsMember({"loglik", "generate"}));
  sub->add_option("--limit", o->limit, "evaluate only the first N items (0 = all)")->check(CLI::NonNegativeNumber);
  sub->add_option("--out", o->out, "output directory for samples.jsonl and metrics.json (default: print metrics only)");
  sub->add_option("--batch-size", o->batch_size, "rows per forward pass")->check(CLI::Range(1, 4096));
  sub->add_option("--max-new-tokens", o->max_new_tokens, "generation length cap (default: the suite's)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--bootstrap", o->bootstrap, "bootstrap resamples for Huatuo intervals (0 = none)")
      ->check(CLI::NonNegativeNumber);
  sub->add_flag("--lenient", o->lenient,
                "skip bad records (counted and listed in metrics.json) instead of stopping at the first");
  sub->callback([o, sub] {
    if (o->suite == "huatuo" && sub->count("--mode") == 0) o->mode = "generate";
    EngineOptions eo;
    eo.batch_size = o->batch_size;
    Engine engine(o->model, eo);
    const fs::path out = o->out.empty() ? fs::path() : fs::path(o->out);
    // Samples go to a temporary file published only when the whole run succeeded.
    const fs::path log_path = out.empty() ? fs::temp_directory_path() / ("qilin-eval-" + std::to_string(::getpid()) + ".jsonl")
                                          : out / "samples.jsonl";
    AtomicFileWriter log(log_path);
    const auto start = std::chrono::steady_clock::now();
    ordered_json metrics = o->suite == "cmexam" ? eval_cmexam(*o, engine, log) : eval_huatuo(*o, engine, log);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    metrics["mode"] = o->mode;
    metrics["model"] = o->model;
    metrics["data"] = o->data;
    metrics["tokenizer"] = engine.tokenizer().signature();
    metrics["engine"] = {{"batch_size", o->batch_size},
                         {"forward_passes", engine.stats().forward_passes},
                         {"tokens_run", engine.stats().tokens_run},
                         {"tokens_generated", engine.stats().tokens_generated},
                         {"seconds", seconds}};
    if (!out.empty()) {
      log.commit();
      write_file_atomic(out / "metrics.json", metrics.dump(2) + "\n");
    }
    std::cout << metrics.dump(2) << "\n";
  });
}

}  // namespace qb::cli
