#include "evals/evaluation.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/atomic_file.h"
#include "common/error.h"
#include "evals/samples.h"
#include "evals/suite_registry.h"
#include "suites/json_records.h"
#include "suites/rag_prompt.h"

namespace qb {
namespace fs = std::filesystem;
using nlohmann::json;

json EvalSpec::to_json() const {
  json j = options.to_json();
  j["suite"] = canonical_suite_name(suite);
  j["shard_index"] = shard_index;
  j["shard_count"] = shard_count;
  j["rag"] = static_cast<bool>(wrap.retrieve);
  j["rag_template"] = wrap.rag_template;
  j["rag_signature"] = wrap.rag_signature;
  j["chat_prefix"] = wrap.chat_prefix;
  j["chat_suffix"] = wrap.chat_suffix;
  return j;
}

namespace {

std::string to_jsonl(const std::vector<json>& rows) {
  std::string s;
  for (auto& r : rows) s += r.dump() + "\n";
  return s;
}

json read_report_json(const ReadReport& r) {
  json errors = json::array();
  for (auto& e : r.errors) errors.push_back(e.what());
  return {{"layout", r.layout}, {"records_read", r.records_read}, {"records_skipped", r.records_skipped},
          {"errors", errors}};
}

json backend_json(const BackendInfo& b) {
  return {{"kind", b.kind}, {"model", b.model}, {"model_id", b.model_id}, {"hosts", b.hosts},
          {"tokenizer", b.tokenizer}};
}

// Retrieved passages go in front of the prompt, then the whole is one chat turn.
void wrap_prompt(const PromptWrapping& w, SuiteItem& item) {
  std::string p = item.prompt();
  if (w.retrieve) {
    auto passages = w.retrieve(item.query);
    item.log["retrieved"] = passages;
    p = w.rag_template.empty() ? with_passages(p, passages) : with_passages(p, passages, w.rag_template);
  }
  item.prompt() = w.chat_prefix + p + w.chat_suffix;
  item.log["prompt"] = item.prompt();
}

// Asks the backend for one chunk of items and returns their rows with the answers added.
std::vector<json> answer_chunk(Backend& backend, const Suite& suite, std::vector<SuiteItem>& items, size_t begin,
                               size_t end) {
  std::vector<json> rows;
  if (items[begin].is_loglik) {
    std::vector<LoglikRequest> reqs;
    for (size_t i = begin; i < end; ++i) reqs.push_back(items[i].loglik);
    auto res = backend.loglik(reqs);
    if (res.size() != reqs.size())
      throw std::runtime_error(fmt::format("the backend answered {} of {} log-likelihood requests", res.size(), reqs.size()));
    for (size_t i = begin; i < end; ++i) {
      json row = items[i].log;
      row["logprob"] = res[i - begin].logprob;
      row["n_tokens"] = res[i - begin].n_tokens;
      rows.push_back(std::move(row));
    }
  } else {
    std::vector<GenerateRequest> reqs;
    for (size_t i = begin; i < end; ++i) reqs.push_back(items[i].generate);
    auto res = backend.generate(reqs);
    if (res.size() != reqs.size())
      throw std::runtime_error(fmt::format("the backend answered {} of {} generation requests", res.size(), reqs.size()));
    const std::string field = suite.generation_field();
    for (size_t i = begin; i < end; ++i) {
      json row = items[i].log;
      row[field] = res[i - begin].text;
      row["n_tokens"] = res[i - begin].n_tokens;
      row["finish_reason"] = res[i - begin].finish_reason;
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

// Writes samples.jsonl and metrics.json (each atomically) and returns what was written.
EvalResult publish(const fs::path& out_dir, const std::vector<json>& rows, ScoreReport report, json extra) {
  EvalResult result;
  result.samples = out_dir / "samples.jsonl";
  write_file_atomic(result.samples, to_jsonl(rows));
  for (auto& [k, v] : extra.items()) report.details[k] = v;
  result.metrics = report.to_json();
  write_file_atomic(out_dir / "metrics.json", result.metrics.dump(2) + "\n");
  result.report = std::move(report);
  result.n = static_cast<long>(rows.size());
  return result;
}

}  // namespace

EvalResult run_evaluation(Backend& backend, const EvalSpec& spec, const fs::path& out_dir,
                          const EvalProgress& progress) {
  const Suite& suite = find_suite(spec.suite);
  EvalSpec s = spec;
  s.suite = suite.name();
  s.options.mode = suite.resolve_mode(spec.options.mode);
  if (s.shard_count < 1 || s.shard_index < 0 || s.shard_index >= s.shard_count)
    throw InputError("--shard", fmt::format("{}/{}", s.shard_index, s.shard_count),
                     "the shard index must be in [0, count)");
  ReadReport read_report;
  auto all_items = suite.build_items(s.options, read_report);
  if (all_items.empty()) throw InputError(s.options.data.string(), "data", "holds no items");
  // Shards take every n-th item, so each gets a similar mix; "index" keeps the data order for merging.
  std::vector<SuiteItem> items;
  for (size_t i = 0; i < all_items.size(); ++i) {
    if (static_cast<int>(i % s.shard_count) != s.shard_index) continue;
    wrap_prompt(s.wrap, all_items[i]);
    all_items[i].log["index"] = i;
    items.push_back(std::move(all_items[i]));
  }
  const size_t n = items.size(), cs = static_cast<size_t>(std::max(1, s.chunk_size));
  fs::path work = out_dir / "work";
  fs::create_directories(work);
  // The chunks belong to one spec: a changed spec must not reuse old answers.
  const json spec_json = s.to_json();
  const std::string spec_text = spec_json.dump();
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
      part = read_sample_rows(chunk);
    } else {
      part = answer_chunk(backend, suite, items, begin, end);
      write_file_atomic(chunk, to_jsonl(part));
    }
    for (auto& r : part) rows.push_back(std::move(r));
    if (progress) progress(static_cast<long>(end), static_cast<long>(n));
  }

  auto scorer = suite.new_scorer(s.options);
  for (auto& row : rows) scorer->add_row(row);
  return publish(out_dir, rows, scorer->report(),
                 {{"spec", spec_json}, {"read", read_report_json(read_report)}, {"backend", backend_json(backend.info())}});
}

EvalResult merge_eval_shards(const std::vector<fs::path>& shard_dirs, const fs::path& out_dir) {
  if (shard_dirs.empty()) throw InputError("merge", "", "no shard folders given");
  json spec0, backend0;
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
      backend0 = m.value("backend", json());
    }
    json a = spec, b = spec0;
    for (json* x : {&a, &b}) x->erase("shard_index");
    if (a != b) throw error_in_file(mfile.string(), "this shard was evaluated with other settings than the first");
    if (index < 0 || index >= count || seen_shard[index])
      throw error_in_file(mfile.string(), fmt::format("shard {}/{} is out of range or given twice", index, count));
    seen_shard[index] = true;
    for (auto& r : read_sample_rows(dir / "samples.jsonl")) rows.push_back(std::move(r));
  }
  for (int i = 0; i < count; ++i)
    if (!seen_shard[i]) throw InputError("merge", "", fmt::format("shard {}/{} is missing", i, count));
  std::sort(rows.begin(), rows.end(),
            [](const json& x, const json& y) { return x.at("index").get<size_t>() < y.at("index").get<size_t>(); });
  const Suite& suite = find_suite(spec0.at("suite").get<std::string>());
  auto scorer = suite.new_scorer(suite_options_for_scoring(spec0));
  for (auto& row : rows) scorer->add_row(row);
  spec0["shard_index"] = 0;
  spec0["shard_count"] = 1;
  json extra = {{"spec", spec0}, {"merged_from", count}};
  if (!backend0.is_null()) extra["backend"] = backend0;
  return publish(out_dir, rows, scorer->report(), extra);
}

}  // namespace qb
