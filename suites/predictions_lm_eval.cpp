// lm-evaluation-harness `--log_samples` files.
//   v0.4.3 and later: `samples_<task>_<date>.jsonl`, one JSON object per line; every response
//     value is written with Python str() ("-1.25", "False"), `arguments` becomes
//     {"gen_args_0": {"arg_0": context, "arg_1": continuation}, …} and `target` a string.
//   v0.4.0 - v0.4.2: `<model_args>_<task>.jsonl` holding ONE JSON array of the same objects with
//     the raw values (numbers, booleans, lists).
// Each object: doc_id, doc, target, arguments, resps (per request, the list of responses),
// filtered_resps (per request, the response after the filter), and since v0.4.7 `filter`: a task
// with several filters writes one line per (filter, doc). Under several ranks the lines come rank
// after rank, so they are sorted by doc_id here. A generate_until response is text; a
// multiple-choice (loglikelihood) response is a [logprob, is_greedy] pair per choice, and the
// target is the index of the right choice.
// Beside the samples, `results_<date>.json` (`results.json` before v0.4.3) holds lm-eval's
// scores under results[task]["metric,filter"], as fractions.
#include <map>
#include <set>

#include "suites/json_records.h"
#include "suites/prediction_readers.h"
#include "suites/text_util.h"

namespace qb::prediction_readers {

namespace {

struct Sample {
  nlohmann::json j;  // the logged object without its `doc`
  ForeignPrediction at;  // file and line, for errors
  long doc_id = 0;
  std::string filter;  // "" before v0.4.7
};

// The i-th request's response: the filtered one, or the first raw one.
const nlohmann::json& response(const Sample& s, size_t i, bool filtered) {
  const char* key = filtered ? "filtered_resps" : "resps";
  auto it = s.j.find(key);
  if (it == s.j.end() || !it->is_array()) throw s.at.error(std::string("missing list field '") + key + "'");
  if (i >= it->size()) throw s.at.error(std::string("field '") + key + "' has fewer entries than `arguments`");
  const nlohmann::json& r = (*it)[i];
  if (filtered) return r;
  if (!r.is_array() || r.empty()) throw s.at.error("resps[" + std::to_string(i) + "] is not a non-empty list of responses");
  return r[0];  // repeats > 1: the first sample
}

// The second argument of the i-th request: arguments[i][1] (raw) or
// arguments["gen_args_i"]["arg_1"] (sanitised). A loglikelihood request's continuation, a
// generate_until request's generation settings (an object); null when absent.
const nlohmann::json* second_argument(const Sample& s, size_t i) {
  auto it = s.j.find("arguments");
  if (it == s.j.end()) return nullptr;
  if (it->is_array() && i < it->size() && (*it)[i].is_array() && (*it)[i].size() > 1) return &(*it)[i][1];
  if (it->is_object()) {
    auto g = it->find("gen_args_" + std::to_string(i));
    if (g != it->end() && g->is_object() && g->contains("arg_1")) return &(*g)["arg_1"];
  }
  return nullptr;
}

std::string continuation(const Sample& s, size_t i) {
  const nlohmann::json* arg = second_argument(s, i);
  return arg && arg->is_string() ? arg->get<std::string>() : "";
}

// A loglikelihood_rolling (perplexity) request has one argument, the text, and a number as its
// response: under str() it would pass for generated text.
bool is_rolling(const Sample& s) {
  auto it = s.j.find("arguments");
  return it != s.j.end() && !it->empty() && second_argument(s, 0) == nullptr;
}

size_t request_count(const Sample& s) {
  for (const char* key : {"filtered_resps", "resps"}) {
    auto it = s.j.find(key);
    if (it != s.j.end() && it->is_array()) return it->size();
  }
  throw s.at.error("missing list fields 'resps' and 'filtered_resps'");
}

bool is_pair(const nlohmann::json& r) { return r.is_array() && r.size() == 2 && !r[0].is_array(); }

// The multiple-choice target as choice indices: an integer, an integer written as a string, a
// list of integers (or its Python str "[0, 2]"), a continuation's text, or an option letter.
std::vector<size_t> target_indices(const Sample& s, const std::vector<ForeignChoice>& choices) {
  auto it = s.j.find("target");
  if (it == s.j.end() || it->is_null()) return {};
  const size_t n = choices.size();
  auto index = [&](long long v) {
    if (v < 0 || static_cast<size_t>(v) >= n)
      throw s.at.error("target " + std::to_string(v) + " is not a choice index (the item has " + std::to_string(n) + " choices)");
    return static_cast<size_t>(v);
  };
  nlohmann::json t = *it;
  if (t.is_string()) {
    const std::string text(trim(t.get<std::string>()));
    if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) return {index(std::stoll(text))};
    if (!text.empty() && text.front() == '[') {
      t = nlohmann::json::parse(text, nullptr, false);
      if (t.is_discarded()) throw s.at.error("target " + shown(text) + " is neither a choice index nor a list of them");
    } else {
      for (size_t i = 0; i < n; ++i)
        if (trim(choices[i].continuation) == text) return {i};
      if (text.size() == 1 && text[0] >= 'A' && text[0] < 'A' + static_cast<int>(n)) return {static_cast<size_t>(text[0] - 'A')};
      throw s.at.error("target " + shown(text) + " is neither a choice index nor one of the choices");
    }
  }
  if (t.is_number_integer()) return {index(t.get<long long>())};
  if (t.is_array()) {
    std::vector<size_t> out;
    for (const auto& v : t) {
      if (!v.is_number_integer()) throw s.at.error("target list holds " + std::string(v.type_name()) + ", expected choice indices");
      out.push_back(index(v.get<long long>()));
    }
    return out;
  }
  throw s.at.error("target is " + std::string(t.type_name()) + ", expected a choice index");
}

ForeignPrediction to_prediction(const Sample& s, bool filtered) {
  ForeignPrediction r = s.at;
  r.position = s.doc_id;
  const size_t requests = request_count(s);
  if (requests == 0) throw s.at.error("no requests logged for this doc");
  const nlohmann::json& first = response(s, 0, filtered);
  if (is_rolling(s)) throw s.at.error("a loglikelihood_rolling (perplexity) task: there are no answers to re-score");
  if (requests == 1 && (first.is_string() || first.is_null())) {
    r.kind = ForeignAnswerKind::kText;
    r.text = first.is_null() ? "" : first.get<std::string>();
    auto t = s.j.find("target");
    if (t != s.j.end() && !t->is_null()) {
      if (t->is_array()) throw s.at.error("target is a list (several references); qilin-bench scores one reference per item: pass --data");
      r.reference = scalar_text_of(*t, "target", r);
    }
    return r;
  }
  if (!is_pair(first))
    throw s.at.error("the response is neither generated text nor a [logprob, is_greedy] pair per choice");
  if (requests > 26) throw s.at.error(std::to_string(requests) + " choices; option letters reach Z (26)");
  r.kind = ForeignAnswerKind::kChoiceLogprobs;
  bool all_spaced = true;
  for (size_t i = 0; i < requests; ++i) {
    const nlohmann::json& pair = response(s, i, filtered);
    if (!is_pair(pair)) throw s.at.error("response " + std::to_string(i) + " is not a [logprob, is_greedy] pair");
    ForeignChoice c;
    c.label = static_cast<char>('A' + i);
    c.positional = true;
    c.logprob = number_of(pair[0], filtered ? "filtered_resps" : "resps", r);
    c.continuation = continuation(s, i);
    all_spaced = all_spaced && !c.continuation.empty() && c.continuation[0] == ' ';
    r.choices.push_back(std::move(c));
  }
  // acc_norm divides by len(choice); the logged continuation carries lm-eval's default
  // target_delimiter " " in front of it.
  if (all_spaced)
    for (auto& c : r.choices) c.continuation.erase(0, 1);
  const std::vector<size_t> gold = target_indices(s, r.choices);
  if (!gold.empty()) {
    std::set<char> letters;
    for (size_t g : gold) letters.insert(static_cast<char>('A' + g));
    r.reference = std::string(letters.begin(), letters.end());
  }
  return r;
}

// results[task] of lm-eval's own results file beside the samples.
std::optional<ToolReport> read_reported(const fs::path& samples, bool json_list, const std::string& layout) {
  const fs::path dir = samples.parent_path().empty() ? fs::path(".") : samples.parent_path();
  const std::string stem = samples.stem().string();
  fs::path file;
  std::string task;
  if (!json_list && stem.rfind("samples_", 0) == 0 && stem.rfind('_') > 7) {
    const size_t last = stem.rfind('_');
    task = stem.substr(8, last - 8);
    file = dir / ("results_" + stem.substr(last + 1) + ".json");
  } else {
    file = dir / "results.json";
  }
  if (!fs::exists(file)) return std::nullopt;
  const nlohmann::json j = read_json_document(file);
  if (!j.is_object() || !j.contains("results") || !j["results"].is_object())
    throw error_in_file(file.string(), "no 'results' object (expected lm-eval's results file)");
  const nlohmann::json& results = j["results"];
  if (task.empty()) {  // "<model_args>_<task>": the longest task name the file name ends with
    for (const auto& [name, _] : results.items())
      if (stem.size() > name.size() && stem.compare(stem.size() - name.size(), name.size(), name) == 0 &&
          stem[stem.size() - name.size() - 1] == '_' && name.size() > task.size())
        task = name;
  }
  if (task.empty() || !results.contains(task) || !results[task].is_object()) return std::nullopt;
  ToolReport report;
  report.tool = "lm-eval";
  report.file = file.string();
  const bool mc = layout == "lm-eval-multiple-choice";
  for (const auto& [key, value] : results[task].items()) {
    const size_t comma = key.find(',');
    const std::string metric = key.substr(0, comma), filter = comma == std::string::npos ? "" : key.substr(comma + 1);
    if (!value.is_number() || metric.find("_stderr") != std::string::npos) continue;
    ToolScore s;
    s.name = key;
    s.value = value.get<double>();
    s.percent = s.value;
    s.protocol = metric + "|lm-eval|task:" + task + (filter.empty() ? "" : "|filter:" + filter);
    if (metric == "acc" || metric == "acc_norm" || metric == "exact_match") {
      s.percent = s.value * 100;  // lm-eval reports these as fractions
      s.ours = metric == "exact_match" ? "acc" : metric;
      if (mc && metric == "acc") s.protocol += "|argmax:sum-logprob";
      if (mc && metric == "acc_norm") s.protocol += "|argmax:sum-logprob/len(choice)";
      if (metric == "exact_match") s.protocol += "|match:the task's exact_match of the filtered answer and the target";
    }
    report.scores.push_back(std::move(s));
  }
  return report;
}

}  // namespace

ForeignPredictions read_lm_eval(const fs::path& path, const ForeignReadOptions& options) {
  const bool json_list = detect_json_layout(path) == JsonLayout::kList;
  std::vector<Sample> samples;
  std::vector<std::string> filters;  // in order of first appearance
  for_each_json_object(path, [&](const nlohmann::json& j, const RecordLocation& loc) {
    Sample s;
    s.at = record_at(loc, 0);  // the position is its doc_id, read below
    auto id = j.find("doc_id");
    if (id == j.end()) throw s.at.error("missing field 'doc_id' (lm-eval --log_samples writes one per line)");
    if (!id->is_number_integer() || id->get<long long>() < 0) throw s.at.error("field 'doc_id' is not a non-negative integer");
    s.doc_id = id->get<long>();
    if (auto f = j.find("filter"); f != j.end() && f->is_string()) {
      s.filter = f->get<std::string>();
      if (std::find(filters.begin(), filters.end(), s.filter) == filters.end()) filters.push_back(s.filter);
    }
    s.j = j;
    s.j.erase("doc");
    samples.push_back(std::move(s));
  });

  ForeignPredictions out;
  out.format = "lm-eval";
  out.files = {path.string()};
  const std::string& want = options.filter;
  std::vector<const Sample*> chosen;
  bool filtered = !want.empty();
  if (want.empty()) {
    // Raw responses: every filter's line of a doc holds the same `resps`; keep the first. A doc
    // twice under one named filter is an error (files before v0.4.7 name none: repeats are passes).
    std::set<long> seen;
    std::map<std::pair<long, std::string>, const Sample*> named;
    for (const auto& s : samples) {
      if (!s.filter.empty()) {
        auto [it, fresh] = named.emplace(std::make_pair(s.doc_id, s.filter), &s);
        if (!fresh)
          throw s.at.error("doc_id " + std::to_string(s.doc_id) + " appears twice for filter '" + s.filter +
                           "' (also at " + it->second->at.where + ")");
      }
      if (seen.insert(s.doc_id).second) chosen.push_back(&s);
    }
  } else if (!filters.empty()) {
    if (std::find(filters.begin(), filters.end(), want) == filters.end())
      throw error_in_file(path.string(), "no lines for filter '" + want + "'; the file's filters are: " + join(filters, ", "));
    for (const auto& s : samples)
      if (s.filter == want) chosen.push_back(&s);
  } else {
    // Before v0.4.7 a line does not name its filter: the k-th line of a doc is the k-th filter
    // of the task's filter_list.
    if (want.find_first_not_of("0123456789") != std::string::npos || std::stol(want) < 1)
      throw error_in_file(path.string(),
                          "its lines do not name a filter (lm-eval before 0.4.7): pass --filter K, the 1-based "
                          "position of the filter in the task's filter_list, instead of '" + want + "'");
    const long k = std::stol(want);
    std::map<long, long> count;
    for (const auto& s : samples)
      if (++count[s.doc_id] == k) chosen.push_back(&s);
    for (const auto& [doc, c] : count)
      if (c < k)
        throw error_in_file(path.string(), "doc_id " + std::to_string(doc) + " has " + std::to_string(c) +
                                               " line(s), so there is no filter pass " + want);
  }
  out.filter = want;
  std::set<ForeignAnswerKind> kinds;
  for (const Sample* s : chosen) {
    out.records.push_back(to_prediction(*s, filtered));
    kinds.insert(out.records.back().kind);
  }
  if (kinds.size() > 1)
    throw error_in_file(path.string(), "mixes generated text and multiple-choice log-likelihoods");
  sort_by_position(out);
  const bool mc = !out.records.empty() && out.records[0].kind == ForeignAnswerKind::kChoiceLogprobs;
  out.layout = mc ? "lm-eval-multiple-choice" : "lm-eval-generate";
  out.reported = read_reported(path, json_list, out.layout);
  if (json_list) out.layout += " (0.4.0-0.4.2 JSON list)";
  return out;
}

}  // namespace qb::prediction_readers
