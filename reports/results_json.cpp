// results.json <-> structs, reading (with line/column for syntax errors) and atomic writing.
// Conversion runs only on validated JSON, so it can use unchecked accessors.
#include <string>

#include "common/atomic_file.h"
#include "common/json_number_overflow.h"
#include "common/error.h"
#include "reports/results.h"

namespace qb::reports {
namespace {

using nlohmann::json;

std::optional<double> optional_number(const json& obj, const char* key) {
  if (!obj.contains(key)) return std::nullopt;
  return obj[key].get<double>();
}

std::string optional_string(const json& obj, const char* key) {
  return obj.contains(key) ? obj[key].get<std::string>() : std::string();
}

void put_interval(json& obj, const std::optional<double>& lo, const std::optional<double>& hi) {
  if (lo && hi) {
    obj["ci_low"] = *lo;
    obj["ci_high"] = *hi;
  }
}

Evaluation evaluation_from_json(const json& e) {
  Evaluation ev;
  ev.suite = e["suite"];
  ev.mode = e["mode"];
  ev.n = e["n"];
  for (const auto& item : e["metrics"].items()) {
    MetricValue mv;
    mv.value = item.value()["value"];
    mv.ci_low = optional_number(item.value(), "ci_low");
    mv.ci_high = optional_number(item.value(), "ci_high");
    mv.signature = optional_string(item.value(), "signature");
    ev.metrics[item.key()] = mv;
  }
  if (e.contains("counts"))
    for (const auto& item : e["counts"].items()) ev.counts[item.key()] = item.value();
  if (e.contains("breakdown"))
    for (const auto& column : e["breakdown"].items())
      for (const auto& group : column.value().items()) {
        BreakdownGroup g;
        for (const auto& field : group.value().items()) {
          if (field.key() == "n")
            g.n = field.value();
          else
            g.metrics[field.key()] = field.value();
        }
        ev.breakdown[column.key()][group.key()] = g;
      }
  ev.samples = optional_string(e, "samples");
  return ev;
}

json evaluation_to_json(const Evaluation& ev) {
  json e = {{"suite", ev.suite}, {"mode", ev.mode}, {"n", ev.n}, {"metrics", json::object()}};
  for (const auto& [name, mv] : ev.metrics) {
    json m = {{"value", mv.value}};
    put_interval(m, mv.ci_low, mv.ci_high);
    if (!mv.signature.empty()) m["signature"] = mv.signature;
    e["metrics"][name] = m;
  }
  if (!ev.counts.empty()) e["counts"] = ev.counts;
  if (!ev.breakdown.empty()) {
    json b = json::object();
    for (const auto& [column, groups] : ev.breakdown)
      for (const auto& [value, g] : groups) {
        json cell = {{"n", g.n}};
        for (const auto& [metric, v] : g.metrics) cell[metric] = v;
        b[column][value] = cell;
      }
    e["breakdown"] = b;
  }
  if (!ev.samples.empty()) e["samples"] = ev.samples;
  return e;
}

TrainingLog training_from_json(const json& t) {
  TrainingLog log;
  log.stage = t["stage"];
  for (const auto& point : t["curve"]) {
    CurvePoint p;
    for (const auto& item : point.items()) {
      if (item.key() == "step")
        p.step = item.value();
      else
        p.values[item.key()] = item.value();
    }
    log.curve.push_back(std::move(p));
  }
  if (t.contains("summary")) log.summary = t["summary"];
  return log;
}

json training_to_json(const TrainingLog& log) {
  json curve = json::array();
  for (const auto& p : log.curve) {
    json point = {{"step", p.step}};
    for (const auto& [key, v] : p.values) point[key] = v;
    curve.push_back(point);
  }
  return {{"stage", log.stage}, {"curve", curve}, {"summary", log.summary}};
}

}  // namespace

const ModelResult* Results::find_model(const std::string& name) const {
  for (const auto& m : models)
    if (m.name == name) return &m;
  return nullptr;
}

Results results_from_json(const json& j, const std::string& file) {
  validate_results_json(j, file);
  Results r;
  r.schema_version = j["schema_version"];
  r.manifest = j["manifest"];
  for (const auto& m : j["models"]) {
    ModelResult mr;
    mr.name = m["name"];
    mr.stage = m["stage"];
    mr.base = optional_string(m, "base");
    mr.rag = m.contains("rag") && m["rag"].get<bool>();
    mr.checkpoint = optional_string(m, "checkpoint");
    for (const auto& e : m["evaluations"]) mr.evaluations.push_back(evaluation_from_json(e));
    if (m.contains("training")) mr.training = training_from_json(m["training"]);
    r.models.push_back(std::move(mr));
  }
  if (j.contains("comparisons"))
    for (const auto& c : j["comparisons"]) {
      Comparison cmp;
      cmp.baseline = c["baseline"];
      cmp.model = c["model"];
      cmp.suite = c["suite"];
      cmp.mode = c["mode"];
      cmp.metric = c["metric"];
      cmp.n = c.contains("n") ? c["n"].get<long>() : 0;
      cmp.delta = c["delta"];
      cmp.ci_low = optional_number(c, "ci_low");
      cmp.ci_high = optional_number(c, "ci_high");
      cmp.p_value = optional_number(c, "p_value");
      cmp.test = c["test"];
      cmp.significant = c["significant"];
      r.comparisons.push_back(std::move(cmp));
    }
  return r;
}

json results_to_json(const Results& r) {
  json models = json::array();
  for (const auto& m : r.models) {
    json jm = {{"name", m.name}, {"stage", m.stage}};
    if (!m.base.empty()) jm["base"] = m.base;
    jm["rag"] = m.rag;
    if (!m.checkpoint.empty()) jm["checkpoint"] = m.checkpoint;
    jm["evaluations"] = json::array();
    for (const auto& ev : m.evaluations) jm["evaluations"].push_back(evaluation_to_json(ev));
    if (m.training) jm["training"] = training_to_json(*m.training);
    models.push_back(jm);
  }
  json comparisons = json::array();
  for (const auto& c : r.comparisons) {
    json jc = {{"baseline", c.baseline}, {"model", c.model}, {"suite", c.suite}, {"mode", c.mode},
               {"metric", c.metric}, {"delta", c.delta}, {"test", c.test}, {"significant", c.significant}};
    if (c.n > 0) jc["n"] = c.n;
    put_interval(jc, c.ci_low, c.ci_high);
    if (c.p_value) jc["p_value"] = *c.p_value;
    comparisons.push_back(jc);
  }
  return {{"schema_version", r.schema_version}, {"manifest", r.manifest}, {"models", models},
          {"comparisons", comparisons}};
}

Results load_results(const std::filesystem::path& path) {
  const std::string file = path.string();
  const std::string text = read_file(path);
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    // e.byte is 1-based and points just past the offending character.
    size_t line = 1, column = 1;
    for (size_t i = 0; i + 1 < e.byte && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
        ++column;  // count code points, not UTF-8 continuation bytes
      }
    }
    if (text.find_first_not_of(" \t\r\n") == std::string::npos)
      throw error_in_file(file, "empty file (expected a results.json object)");
    // nlohmann's text is "[json.exception…] parse error at line L, column C: PROBLEM; last read: 'BYTES'".
    // Keep PROBLEM: the position is ours (in code points) and BYTES may be invalid UTF-8.
    std::string what = e.what();
    auto start = what.find(": ", what.find("parse error"));
    std::string problem = start == std::string::npos ? what : what.substr(start + 2);
    auto last_read = problem.find("; last read: ");
    if (last_read != std::string::npos) problem.erase(last_read);
    throw InputError(file, "line " + std::to_string(line) + ", column " + std::to_string(column),
                     "invalid JSON: " + problem);
  } catch (const json::out_of_range& e) {
    const auto o = locate_number_overflow(text, e);
    throw error_at_line(file, line_of_offset_in(text, o.offset), o.problem());
  }
  return results_from_json(j, file);
}

void save_results(const std::filesystem::path& path, const Results& r) {
  json j = results_to_json(r);
  validate_results_json(j, path.string());
  write_file_atomic(path, j.dump(2) + "\n");
}

}  // namespace qb::reports
