#include "metrics/score_report.h"

#include <stdexcept>

namespace qb {

using nlohmann::json;

namespace {

json interval_json(const std::optional<double>& lo, const std::optional<double>& hi) {
  if (!lo || !hi) return nullptr;
  return json::array({*lo, *hi});
}

void read_interval(const json& j, std::optional<double>& lo, std::optional<double>& hi) {
  auto it = j.find("interval");
  if (it == j.end() || !it->is_array() || it->size() != 2) return;
  lo = (*it)[0].get<double>();
  hi = (*it)[1].get<double>();
}

double percent(int64_t k, int64_t n) { return n == 0 ? 0.0 : 100.0 * static_cast<double>(k) / static_cast<double>(n); }

}  // namespace

const MetricScore* ScoreReport::find(const std::string& metric) const {
  auto it = metrics.find(metric);
  return it == metrics.end() ? nullptr : &it->second;
}

json ScoreReport::to_json() const {
  json out = details;
  out["suite"] = suite;
  out["mode"] = mode;
  out["n"] = n;
  json m = json::object();
  for (const auto& [name, s] : metrics) {
    json x = {{"value", s.value}, {"interval", interval_json(s.ci_low, s.ci_high)}, {"signature", s.signature}};
    for (const auto& [k, v] : s.counts) x[k] = v;
    m[name] = x;
  }
  out["metrics"] = m;
  for (const auto& [k, v] : counts) {
    if (k == "extraction_failures")
      out["extraction"] = {{"failed", v}, {"failure_rate", percent(v, n)}};
    else
      out[k] = v;
  }
  if (breakdown) {
    json b = json::object();
    for (const auto& [column, groups] : *breakdown) {
      json col = json::object();
      for (const auto& [value, g] : groups)
        col[value] = {{"n", g.n}, {"correct", g.correct}, {"value", g.value},
                      {"interval", json::array({g.ci_low, g.ci_high})}};
      b[column] = col;
    }
    out["breakdown"] = b;
  }
  return out;
}

ScoreReport score_report_from_json(const json& j) {
  static const char* const kKnown[] = {"suite", "mode", "n", "metrics", "extraction", "breakdown",
                                       "n_multi_answer", "n_empty", "n_empty_reference"};
  ScoreReport r;
  r.suite = j.at("suite").get<std::string>();
  r.mode = j.value("mode", "");
  r.n = j.at("n").get<int64_t>();
  for (const auto& [name, x] : j.at("metrics").items()) {
    MetricScore s;
    s.value = x.at("value").get<double>();
    read_interval(x, s.ci_low, s.ci_high);
    s.signature = x.value("signature", "");
    for (const auto& [k, v] : x.items())
      if (k != "value" && k != "interval" && k != "signature" && v.is_number_integer()) s.counts[k] = v.get<int64_t>();
    r.metrics[name] = std::move(s);
  }
  for (const char* k : {"n_multi_answer", "n_empty", "n_empty_reference"})
    if (j.contains(k)) r.counts[k] = j[k].get<int64_t>();
  if (j.contains("extraction")) r.counts["extraction_failures"] = j["extraction"].at("failed").get<int64_t>();
  if (j.contains("breakdown")) {
    r.breakdown.emplace();
    for (const auto& [column, groups] : j["breakdown"].items())
      for (const auto& [value, g] : groups.items()) {
        GroupScore gs;
        gs.n = g.at("n").get<int64_t>();
        gs.correct = g.value("correct", int64_t{0});
        gs.value = g.at("value").get<double>();
        if (g.contains("interval") && g["interval"].is_array() && g["interval"].size() == 2) {
          gs.ci_low = g["interval"][0].get<double>();
          gs.ci_high = g["interval"][1].get<double>();
        }
        (*r.breakdown)[column][value] = gs;
      }
  }
  // Everything else (bleu_details, bootstrap, and what a caller added: spec, read …) rides along.
  for (const auto& [k, v] : j.items()) {
    bool known = false;
    for (const char* name : kKnown) known |= k == name;
    if (!known) r.details[k] = v;
  }
  return r;
}

const PairedDelta* ComparisonReport::find(const std::string& metric) const {
  auto it = metrics.find(metric);
  return it == metrics.end() ? nullptr : &it->second;
}

json ComparisonReport::to_json() const {
  auto p_json = [](const std::optional<double>& p) { return p ? json(*p) : json(nullptr); };
  if (test == "mcnemar-exact") {
    const PairedDelta& d = metrics.at("acc");
    json out = {{"test", test}, {"n", n}, {"a", d.a}, {"b", d.b}, {"delta", d.delta}, {"p_value", p_json(d.p_value)}};
    for (const auto& [k, v] : counts) out[k] = v;
    return out;
  }
  json m = json::object();
  for (const auto& [name, d] : metrics)
    m[name] = {{"a", d.a}, {"b", d.b}, {"delta", d.delta}, {"p_value", p_json(d.p_value)}, {"signature", d.signature}};
  json out = {{"test", test}, {"n", n}, {"metrics", m}};
  for (const auto& [k, v] : counts) out[k] = v;
  return out;
}

ComparisonReport comparison_report_from_json(const json& j) {
  ComparisonReport c;
  c.test = j.at("test").get<std::string>();
  c.n = j.value("n", int64_t{0});
  auto delta_of = [](const json& x) {
    PairedDelta d;
    d.a = x.value("a", 0.0);
    d.b = x.value("b", 0.0);
    d.delta = x.at("delta").get<double>();
    if (x.contains("p_value") && !x["p_value"].is_null()) d.p_value = x["p_value"].get<double>();
    d.signature = x.value("signature", "");
    return d;
  };
  if (j.contains("metrics")) {
    for (const auto& [name, x] : j["metrics"].items()) c.metrics[name] = delta_of(x);
  } else {
    c.metrics["acc"] = delta_of(j);
  }
  for (const auto& [k, v] : j.items())
    if (k != "test" && k != "n" && k != "metrics" && k != "a" && k != "b" && k != "delta" && k != "p_value" &&
        v.is_number_integer())
      c.counts[k] = v.get<int64_t>();
  return c;
}

}  // namespace qb
