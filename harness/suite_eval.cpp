#include "harness/suite_eval.h"

#include <fmt/format.h>

#include <sstream>

#include "common/atomic_file.h"
#include "common/error.h"
#include "metrics/accuracy_scorer.h"
#include "metrics/answer_extraction.h"
#include "metrics/loglik_choice.h"
#include "suites/cmexam_reader.h"
#include "suites/cmexam_requests.h"
#include "suites/huatuo_reader.h"
#include "suites/huatuo_requests.h"
#include "suites/json_records.h"
#include "suites/rag_prompt.h"
#include "trainers/engine/engine.h"

namespace qb {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {
json metric_options_json(const HuatuoScoreOptions& o);
}

json SuiteEvalSpec::to_json() const {
  return json{{"suite", suite},
              {"mode", mode},
              {"data", data.string()},
              {"train_data", train_data.string()},
              {"limit", limit},
              {"lenient", lenient},
              {"shard_index", shard_index},
              {"shard_count", shard_count},
              {"k_shot", k_shot},
              {"seed", seed},
              {"continuation", continuation},
              {"max_new_tokens", max_new_tokens},
              {"huatuo_template", huatuo_template},
              {"rag", static_cast<bool>(retrieve)},
              {"rag_template", rag_template},
              {"rag_signature", rag_signature},
              {"chat_prefix", chat_prefix},
              {"chat_suffix", chat_suffix},
              {"metric_options", metric_options_json(huatuo_metrics)}};
}

namespace {

// One item's request and what the per-sample log records about it before answering.
struct PendingItem {
  json log;  // id, prompt, retrieved, gold, annotations …
  LoglikRequest loglik;
  GenerateRequest generate;
};

// The suites/ JSONL reader: UTF-8 checked, errors name the file and line.
std::vector<json> read_jsonl(const fs::path& p) {
  std::vector<json> out;
  ReadReport report;
  for_each_json_record(p, ReadOptions{}, report, [&](const json& r, const RecordLocation&) { out.push_back(r); });
  return out;
}

std::string to_jsonl(const std::vector<json>& rows) {
  std::string s;
  for (auto& r : rows) s += r.dump() + "\n";
  return s;
}

// Retrieved passages go in front of the prompt, then the whole is one chat turn.
std::string apply_rag(const SuiteEvalSpec& spec, const std::string& query, const std::string& prompt,
                      json& log) {
  std::string p = prompt;
  if (spec.retrieve) {
    auto passages = spec.retrieve(query);
    log["retrieved"] = passages;
    p = spec.rag_template.empty() ? with_passages(prompt, passages)
                                  : with_passages(prompt, passages, spec.rag_template);
  }
  return spec.chat_prefix + p + spec.chat_suffix;
}

json read_report_json(const ReadReport& r) {
  json errors = json::array();
  for (auto& e : r.errors) errors.push_back(e.what());
  return {{"layout", r.layout}, {"records_read", r.records_read}, {"records_skipped", r.records_skipped},
          {"errors", errors}};
}

std::vector<PendingItem> build_cmexam(const SuiteEvalSpec& spec, json& read_report) {
  ReadOptions ro;
  ro.lenient = spec.lenient;
  auto test = read_cmexam(spec.data, ro);
  read_report = read_report_json(test.report);
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

  std::vector<PendingItem> items;
  for (const auto& q : test.records) {
    if (spec.limit > 0 && static_cast<long>(items.size()) >= spec.limit) break;
    auto req = build_cmexam_requests(q, opts);
    PendingItem it;
    std::string letters;
    for (auto& [letter, text] : q.options) letters += letter;
    it.log = {{"id", q.id},
              {"gold", q.answer},
              {"options", letters},
              {"annotations", q.annotations},
              {"shot_ids", req.shot_ids}};
    if (spec.mode == "loglik") {
      it.loglik = std::move(req.loglik);
      it.loglik.context = apply_rag(spec, q.question, it.loglik.context, it.log);
      it.log["prompt"] = it.loglik.context;
      it.log["continuations"] = it.loglik.continuations;
    } else {
      it.generate = std::move(req.generate);
      it.generate.prompt = apply_rag(spec, q.question, it.generate.prompt, it.log);
      it.log["prompt"] = it.generate.prompt;
    }
    items.push_back(std::move(it));
  }
  return items;
}

std::vector<PendingItem> build_huatuo(const SuiteEvalSpec& spec, json& read_report) {
  ReadOptions ro;
  ro.lenient = spec.lenient;
  auto data = read_huatuo(spec.data, ro);
  read_report = read_report_json(data.report);
  HuatuoPromptOptions opts;
  if (!spec.huatuo_template.empty()) opts.prompt_template = spec.huatuo_template;
  if (spec.max_new_tokens > 0) opts.max_new_tokens = spec.max_new_tokens;
  std::vector<PendingItem> items;
  for (const auto& h : data.records) {
    if (spec.limit > 0 && static_cast<long>(items.size()) >= spec.limit) break;
    PendingItem it;
    it.generate = build_huatuo_request(h, opts);
    it.log = {{"id", h.id}, {"reference", h.answers.at(0)}};
    it.generate.prompt = apply_rag(spec, h.question, it.generate.prompt, it.log);
    it.log["prompt"] = it.generate.prompt;
    items.push_back(std::move(it));
  }
  return items;
}

// Runs the engine over one chunk and returns the per-sample records with the answers added.
std::vector<json> answer_chunk(Engine& engine, const SuiteEvalSpec& spec, std::vector<PendingItem>& items,
                               size_t begin, size_t end) {
  std::vector<json> rows;
  bool loglik = spec.suite == "cmexam" && spec.mode == "loglik";
  if (loglik) {
    std::vector<LoglikRequest> reqs;
    for (size_t i = begin; i < end; ++i) reqs.push_back(items[i].loglik);
    auto res = engine.loglik(reqs);
    for (size_t i = begin; i < end; ++i) {
      json row = items[i].log;
      row["logprob"] = res[i - begin].logprob;
      row["n_tokens"] = res[i - begin].n_tokens;
      rows.push_back(std::move(row));
    }
  } else {
    std::vector<GenerateRequest> reqs;
    for (size_t i = begin; i < end; ++i) reqs.push_back(items[i].generate);
    auto res = engine.generate(reqs);
    for (size_t i = begin; i < end; ++i) {
      json row = items[i].log;
      row[spec.suite == "huatuo" ? "prediction" : "output"] = res[i - begin].text;
      row["n_tokens"] = res[i - begin].n_tokens;
      row["finish_reason"] = res[i - begin].finish_reason;
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

ChoiceMode choice_mode(const std::string& mode) {
  if (mode == "loglik") return ChoiceMode::kLoglik;
  if (mode == "generate") return ChoiceMode::kGenerate;
  throw InputError("mode", "'" + mode + "'", "must be 'loglik' or 'generate'");
}

// Adds prediction fields to a CMExam row (from its answers) and feeds the scorer.
void score_cmexam_row(json& row, const std::string& mode, AccuracyScorer& scorer) {
  ChoiceOutcome o;
  o.id = row.at("id").get<std::string>();
  o.gold = row.at("gold").get<std::string>();
  o.annotations = row.value("annotations", std::map<std::string, std::string>{});
  std::string letters = row.at("options").get<std::string>();
  if (mode == "loglik") {
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
    o.predicted = row["predicted"].get<std::string>();
    o.predicted_norm = row["predicted_norm"].get<std::string>();
  } else {
    if (!row.contains("predicted")) {
      auto ex = extract_answer_letters(row.at("output").get<std::string>(), letters);
      row["predicted"] = ex ? json(*ex) : json(nullptr);
    }
    if (!row["predicted"].is_null()) o.predicted = row["predicted"].get<std::string>();
  }
  row["correct"] = o.predicted.has_value() && *o.predicted == o.gold;
  scorer.add(o);
}

HuatuoScoreOptions with_items(HuatuoScoreOptions o) {
  o.keep_items = true;
  return o;
}

// Scores answered rows in order, adding each row's prediction fields and per-item scores.
json score_rows(std::vector<json>& rows, const std::string& suite, const std::string& mode,
                const HuatuoScoreOptions& options) {
  if (suite == "cmexam") {
    AccuracyScorer scorer(choice_mode(mode));
    for (auto& row : rows) score_cmexam_row(row, mode, scorer);
    return scorer.result();
  }
  HuatuoScorer scorer(with_items(options));
  for (auto& row : rows)
    scorer.add(row.at("id").get<std::string>(), row.at("prediction").get<std::string>(),
               row.at("reference").get<std::string>());
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& st = scorer.items()[i];
    rows[i]["scores"] = {{"rouge1_f", st.rouge1.f * 100}, {"rouge2_f", st.rouge2.f * 100},
                         {"rougeL_f", st.rouge_l.f * 100}};
  }
  return scorer.result();
}

json metric_options_json(const HuatuoScoreOptions& o) {
  return {{"segmenter", o.metric.segmenter.kind},
          {"hmm", o.metric.segmenter.hmm},
          {"dict", o.metric.segmenter.dict_path},
          {"user_dict", o.metric.segmenter.user_dict_path},
          {"bleu_agg", o.metric.bleu_agg == BleuAggregation::kCorpus ? "corpus" : "sentence"},
          {"smooth", o.metric.smooth},
          {"rouge", o.metric.rouge == RougeNgramMode::kSet ? "set" : "count"},
          {"bootstrap", o.bootstrap},
          {"seed", o.seed}};
}

HuatuoScoreOptions metric_options_from_json(const json& j) {
  HuatuoScoreOptions o;
  o.metric.segmenter.kind = j.at("segmenter").get<std::string>();
  o.metric.segmenter.hmm = j.at("hmm").get<bool>();
  o.metric.segmenter.dict_path = j.at("dict").get<std::string>();
  o.metric.segmenter.user_dict_path = j.at("user_dict").get<std::string>();
  o.metric.bleu_agg = j.at("bleu_agg").get<std::string>() == "corpus" ? BleuAggregation::kCorpus
                                                                      : BleuAggregation::kSentenceMean;
  o.metric.smooth = j.at("smooth").get<int>();
  o.metric.rouge = j.at("rouge").get<std::string>() == "set" ? RougeNgramMode::kSet : RougeNgramMode::kCount;
  o.bootstrap = j.at("bootstrap").get<int>();
  o.seed = j.at("seed").get<uint64_t>();
  return o;
}

// Writes samples.jsonl and metrics.json (each atomically) and returns what was written.
SuiteEvalResult publish(const fs::path& out_dir, const std::vector<json>& rows, json metrics) {
  SuiteEvalResult result;
  result.samples = out_dir / "samples.jsonl";
  write_file_atomic(result.samples, to_jsonl(rows));
  write_file_atomic(out_dir / "metrics.json", metrics.dump(2) + "\n");
  result.metrics = std::move(metrics);
  result.n = static_cast<long>(rows.size());
  return result;
}

}  // namespace

SuiteEvalResult evaluate_suite(Engine& engine, const SuiteEvalSpec& spec, const fs::path& out_dir,
                               const EvalProgress& progress) {
  if (spec.suite != "cmexam" && spec.suite != "huatuo")
    throw InputError("suite", "'" + spec.suite + "'", "must be 'cmexam' or 'huatuo'");
  if (spec.suite == "huatuo" && spec.mode != "generate")
    throw InputError("mode", "'" + spec.mode + "'", "the huatuo suite is scored in 'generate' mode only");
  if (spec.suite == "cmexam") choice_mode(spec.mode);

  if (spec.shard_count < 1 || spec.shard_index < 0 || spec.shard_index >= spec.shard_count)
    throw InputError("--shard", fmt::format("{}/{}", spec.shard_index, spec.shard_count),
                     "the shard index must be in [0, count)");
  json read_report;
  auto all_items = spec.suite == "cmexam" ? build_cmexam(spec, read_report) : build_huatuo(spec, read_report);
  if (all_items.empty()) throw InputError(spec.data.string(), "data", "holds no questions");
  // Shards take every n-th item, so each gets a similar mix; "index" keeps the data order for merging.
  std::vector<PendingItem> items;
  for (size_t i = 0; i < all_items.size(); ++i) {
    if (static_cast<int>(i % spec.shard_count) != spec.shard_index) continue;
    all_items[i].log["index"] = i;
    items.push_back(std::move(all_items[i]));
  }
  const size_t n = items.size(), cs = static_cast<size_t>(std::max(1, spec.chunk_size));
  fs::path work = out_dir / "work";
  fs::create_directories(work);
  // The chunks belong to one spec: a changed spec must not reuse old answers.
  std::string spec_text = spec.to_json().dump();
  fs::path spec_file = work / "spec.json";
  if (fs::exists(spec_file) && read_file(spec_file) != spec_text) {
    fs::remove_all(work);
    fs::create_directories(work);
  }
  write_file_atomic(spec_file, spec_text);

  std::vector<json> rows;
  rows.reserve(n);
  for (size_t begin = 0; begin < n; begin += cs) {
    size_t end = std::min(n, begin + cs);
    fs::path chunk = work / fmt::format("chunk-{:06}.jsonl", begin / cs);
    std::vector<json> part;
    if (fs::exists(chunk)) {
      part = read_jsonl(chunk);
    } else {
      part = answer_chunk(engine, spec, items, begin, end);
      write_file_atomic(chunk, to_jsonl(part));
    }
    for (auto& r : part) rows.push_back(std::move(r));
    if (progress) progress(static_cast<long>(end), static_cast<long>(n));
  }

  json metrics = score_rows(rows, spec.suite, spec.mode, spec.huatuo_metrics);
  metrics["suite"] = spec.suite;
  metrics["mode"] = spec.mode;
  metrics["spec"] = spec.to_json();
  metrics["read"] = read_report;
  return publish(out_dir, rows, std::move(metrics));
}

SuiteEvalResult merge_eval_shards(const std::vector<fs::path>& shard_dirs, const fs::path& out_dir) {
  if (shard_dirs.empty()) throw InputError("merge", "", "no shard folders given");
  json spec0;
  std::vector<json> rows;
  int count = 0;
  std::vector<bool> seen_shard;
  for (const auto& dir : shard_dirs) {
    fs::path mfile = dir / "metrics.json";
    if (!fs::exists(mfile)) throw error_in_file(mfile.string(), "missing: is this shard finished?");
    json m = json::parse(read_file(mfile));
    json spec = m.at("spec");
    int index = spec.at("shard_index").get<int>();
    if (spec0.is_null()) {
      count = spec.at("shard_count").get<int>();
      seen_shard.assign(count, false);
      spec0 = spec;
    }
    json a = spec, b = spec0;
    for (json* x : {&a, &b}) x->erase("shard_index");
    if (a != b) throw error_in_file(mfile.string(), "this shard was evaluated with other settings than the first");
    if (index < 0 || index >= count || seen_shard[index])
      throw error_in_file(mfile.string(), fmt::format("shard {}/{} is out of range or given twice", index, count));
    seen_shard[index] = true;
    for (auto& r : read_jsonl(dir / "samples.jsonl")) rows.push_back(std::move(r));
  }
  for (int i = 0; i < count; ++i)
    if (!seen_shard[i]) throw InputError("merge", "", fmt::format("shard {}/{} is missing", i, count));
  std::sort(rows.begin(), rows.end(),
            [](const json& x, const json& y) { return x.at("index").get<size_t>() < y.at("index").get<size_t>(); });
  std::string suite = spec0.at("suite"), mode = spec0.at("mode");
  json metrics = score_rows(rows, suite, mode, metric_options_from_json(spec0.at("metric_options")));
  spec0["shard_index"] = 0;
  spec0["shard_count"] = 1;
  metrics["suite"] = suite;
  metrics["mode"] = mode;
  metrics["spec"] = spec0;
  metrics["merged_from"] = count;
  return publish(out_dir, rows, std::move(metrics));
}

namespace {

std::unique_ptr<AccuracyScorer> accuracy_from_samples(const fs::path& samples, const std::string& mode) {
  auto scorer = std::make_unique<AccuracyScorer>(choice_mode(mode));
  for (auto& row : read_jsonl(samples)) score_cmexam_row(row, mode, *scorer);
  return scorer;
}

std::unique_ptr<HuatuoScorer> huatuo_from_samples(const fs::path& samples, const HuatuoScoreOptions& o) {
  auto scorer = std::make_unique<HuatuoScorer>(with_items(o));
  long line = 0;
  for (auto& row : read_jsonl(samples)) {
    ++line;
    if (!row.contains("prediction") || !row.contains("reference") || !row.contains("id"))
      throw error_at_line(samples.string(), line, "a Huatuo sample needs id, prediction and reference");
    scorer->add(row["id"].get<std::string>(), row["prediction"].get<std::string>(),
                row["reference"].get<std::string>());
  }
  return scorer;
}

}  // namespace

json rescore_samples(const fs::path& samples, const std::string& suite, const std::string& mode,
                     const HuatuoScoreOptions& huatuo_metrics) {
  if (suite == "cmexam") return accuracy_from_samples(samples, mode)->result();
  return huatuo_from_samples(samples, huatuo_metrics)->result();
}

json compare_samples(const fs::path& a, const fs::path& b, const std::string& suite, const std::string& mode,
                     const HuatuoScoreOptions& huatuo_metrics, int resamples, uint64_t seed) {
  if (suite == "cmexam")
    return compare_accuracy(*accuracy_from_samples(a, mode), *accuracy_from_samples(b, mode));
  return compare_huatuo(*huatuo_from_samples(a, huatuo_metrics), *huatuo_from_samples(b, huatuo_metrics),
                        resamples, seed);
}

}  // namespace qb
