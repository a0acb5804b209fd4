// The results.json validator. It walks the document once and stops at the first problem,
// naming its JSON path, so "models[3].evaluations[1].metrics.bleu1.ci_low" points a person
// straight at the bad value. Unknown keys are rejected: a misspelt "evalutions" would
// otherwise silently produce an empty leaderboard row.
#include <cmath>
#include <set>
#include <utility>

#include "common/error.h"
#include "reports/results.h"

namespace qb::reports {
namespace {

using nlohmann::json;

const char* type_name(const json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return "a boolean";
  if (v.is_number_integer()) return "an integer";
  if (v.is_number()) return "a number";
  if (v.is_string()) return "a string";
  if (v.is_array()) return "an array";
  return "an object";
}

// A key is written ".key" when that is unambiguous, else ["key"] (spaces, dots, brackets).
std::string child_path(const std::string& parent, const std::string& key) {
  bool plain = !key.empty();
  for (unsigned char c : key)
    if (c == '.' || c == '[' || c == ']' || c == '"' || c == '\\' || c == ' ' || c < 0x20) plain = false;
  if (plain) return parent.empty() ? key : parent + "." + key;
  std::string quoted = "[\"";
  for (char c : key) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return parent + quoted + "\"]";
}

std::string index_path(const std::string& parent, size_t i) {
  return parent + "[" + std::to_string(i) + "]";
}

class Validator {
 public:
  explicit Validator(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const std::string& path, const std::string& problem) const {
    throw InputError(file_, path, problem);
  }

  void expect_object(const json& v, const std::string& path) const {
    if (!v.is_object()) fail(path, std::string("expected an object, got ") + type_name(v));
  }
  void expect_array(const json& v, const std::string& path) const {
    if (!v.is_array()) fail(path, std::string("expected an array, got ") + type_name(v));
  }
  void expect_string(const json& v, const std::string& path, bool non_empty) const {
    if (!v.is_string()) fail(path, std::string("expected a string, got ") + type_name(v));
    if (non_empty && v.get_ref<const std::string&>().empty()) fail(path, "must not be empty");
  }
  void expect_bool(const json& v, const std::string& path) const {
    if (!v.is_boolean()) fail(path, std::string("expected true or false, got ") + type_name(v));
  }
  void expect_number(const json& v, const std::string& path) const {
    if (!v.is_number()) fail(path, std::string("expected a number, got ") + type_name(v));
    if (!std::isfinite(v.get<double>())) fail(path, "must be finite");
  }
  void expect_count(const json& v, const std::string& path) const {
    if (!v.is_number_integer()) fail(path, std::string("expected a whole number, got ") + type_name(v));
    if (v.get<long long>() < 0) fail(path, "must not be negative (got " + v.dump() + ")");
  }

  // Every key of `obj` must be in `allowed`; every key of `required` must be present.
  void check_keys(const json& obj, const std::string& path, const std::set<std::string>& allowed,
                  const std::set<std::string>& required) const {
    for (const auto& item : obj.items())
      if (!allowed.count(item.key())) fail(child_path(path, item.key()), "unknown key");
    for (const auto& key : required)
      if (!obj.contains(key)) fail(path, "missing required key '" + key + "'");
  }

  // ci_low/ci_high: both or neither, low <= high.
  void check_interval(const json& obj, const std::string& path) const {
    bool lo = obj.contains("ci_low"), hi = obj.contains("ci_high");
    if (lo != hi) fail(path, std::string("has ") + (lo ? "ci_low" : "ci_high") + " without " + (lo ? "ci_high" : "ci_low"));
    if (!lo) return;
    expect_number(obj["ci_low"], child_path(path, "ci_low"));
    expect_number(obj["ci_high"], child_path(path, "ci_high"));
    if (obj["ci_low"].get<double>() > obj["ci_high"].get<double>())
      fail(path, "ci_low " + obj["ci_low"].dump() + " is above ci_high " + obj["ci_high"].dump());
  }

  void root(const json& j) const {
    if (!j.is_object()) fail("", std::string("expected a JSON object at the top level, got ") + type_name(j));
    check_keys(j, "", {"schema_version", "manifest", "models", "comparisons"},
               {"schema_version", "manifest", "models"});
    const json& version = j["schema_version"];
    if (!version.is_number_integer()) fail("schema_version", std::string("expected an integer, got ") + type_name(version));
    if (version.get<long long>() != kResultsSchemaVersion)
      fail("schema_version", "unsupported version " + version.dump() + " (this build reads " +
                                 std::to_string(kResultsSchemaVersion) + ")");
    manifest(j["manifest"], "manifest");

    const json& models = j["models"];
    expect_array(models, "models");
    if (models.empty()) fail("models", "must hold at least one model");
    std::set<std::string> names;
    for (size_t i = 0; i < models.size(); ++i) {
      std::string path = index_path("models", i);
      model(models[i], path);
      const std::string& name = models[i]["name"].get_ref<const std::string&>();
      if (!names.insert(name).second) fail(child_path(path, "name"), "duplicate model name '" + name + "'");
    }
    for (size_t i = 0; i < models.size(); ++i) {
      if (!models[i].contains("base")) continue;
      const std::string& base = models[i]["base"].get_ref<const std::string&>();
      std::string path = child_path(index_path("models", i), "base");
      if (base.empty()) continue;
      if (!names.count(base)) fail(path, "names no model in this file ('" + base + "')");
      if (base == models[i]["name"].get_ref<const std::string&>()) fail(path, "a model cannot be its own base");
    }

    if (!j.contains("comparisons")) return;
    const json& comparisons = j["comparisons"];
    expect_array(comparisons, "comparisons");
    for (size_t i = 0; i < comparisons.size(); ++i) comparison(comparisons[i], index_path("comparisons", i), names);
  }

  void manifest(const json& m, const std::string& path) const {
    expect_object(m, path);
    for (const char* key : {"run_name", "created", "tool_version", "git_commit", "config_hash", "config_file"})
      if (m.contains(key)) expect_string(m[key], child_path(path, key), false);
    for (const char* key : {"hashes", "versions"}) {
      if (!m.contains(key)) continue;
      std::string sub = child_path(path, key);
      expect_object(m[key], sub);
      for (const auto& item : m[key].items()) expect_string(item.value(), child_path(sub, item.key()), false);
    }
    if (m.contains("timings")) {
      std::string sub = child_path(path, "timings");
      expect_object(m["timings"], sub);
      for (const auto& item : m["timings"].items()) {
        std::string p = child_path(sub, item.key());
        expect_number(item.value(), p);
        if (item.value().get<double>() < 0) fail(p, "a duration cannot be negative");
      }
    }
    for (const char* key : {"machine", "config"})
      if (m.contains(key)) expect_object(m[key], child_path(path, key));
  }

  void model(const json& m, const std::string& path) const {
    expect_object(m, path);
    check_keys(m, path, {"name", "stage", "base", "rag", "checkpoint", "evaluations", "training"},
               {"name", "stage", "evaluations"});
    expect_string(m["name"], child_path(path, "name"), true);
    expect_string(m["stage"], child_path(path, "stage"), true);
    if (m.contains("base")) expect_string(m["base"], child_path(path, "base"), false);
    if (m.contains("rag")) expect_bool(m["rag"], child_path(path, "rag"));
    if (m.contains("checkpoint")) expect_string(m["checkpoint"], child_path(path, "checkpoint"), false);
    const json& evals = m["evaluations"];
    std::string evals_path = child_path(path, "evaluations");
    expect_array(evals, evals_path);
    std::set<std::pair<std::string, std::string>> seen;
    for (size_t i = 0; i < evals.size(); ++i) {
      std::string p = index_path(evals_path, i);
      evaluation(evals[i], p);
      std::pair<std::string, std::string> key{evals[i]["suite"], evals[i]["mode"]};
      if (!seen.insert(key).second)
        fail(p, "a second evaluation of suite '" + key.first + "' in mode '" + key.second + "'");
    }
    if (m.contains("training")) training(m["training"], child_path(path, "training"));
  }

  void evaluation(const json& e, const std::string& path) const {
    expect_object(e, path);
    check_keys(e, path, {"suite", "mode", "n", "metrics", "counts", "breakdown", "samples"},
               {"suite", "mode", "n", "metrics"});
    expect_string(e["suite"], child_path(path, "suite"), true);
    expect_string(e["mode"], child_path(path, "mode"), true);
    const std::string& mode = e["mode"].get_ref<const std::string&>();
    if (mode != "loglik" && mode != "generate")
      fail(child_path(path, "mode"), "must be \"loglik\" or \"generate\" (got \"" + mode + "\")");
    expect_count(e["n"], child_path(path, "n"));

    std::string metrics_path = child_path(path, "metrics");
    expect_object(e["metrics"], metrics_path);
    for (const auto& item : e["metrics"].items()) {
      std::string p = child_path(metrics_path, item.key());
      const json& mv = item.value();
      expect_object(mv, p);
      check_keys(mv, p, {"value", "ci_low", "ci_high", "signature"}, {"value"});
      expect_number(mv["value"], child_path(p, "value"));
      check_interval(mv, p);
      if (mv.contains("signature")) expect_string(mv["signature"], child_path(p, "signature"), false);
    }
    if (e.contains("counts")) {
      std::string p = child_path(path, "counts");
      expect_object(e["counts"], p);
      for (const auto& item : e["counts"].items()) expect_count(item.value(), child_path(p, item.key()));
    }
    if (e.contains("breakdown")) breakdown(e["breakdown"], child_path(path, "breakdown"));
    if (e.contains("samples")) expect_string(e["samples"], child_path(path, "samples"), false);
  }

  void breakdown(const json& b, const std::string& path) const {
    expect_object(b, path);
    for (const auto& column : b.items()) {
      std::string cp = child_path(path, column.key());
      expect_object(column.value(), cp);
      for (const auto& group : column.value().items()) {
        std::string gp = child_path(cp, group.key());
        expect_object(group.value(), gp);
        if (!group.value().contains("n")) fail(gp, "missing required key 'n'");
        for (const auto& field : group.value().items()) {
          if (field.key() == "n")
            expect_count(field.value(), child_path(gp, "n"));
          else
            expect_number(field.value(), child_path(gp, field.key()));
        }
      }
    }
  }

  void training(const json& t, const std::string& path) const {
    expect_object(t, path);
    check_keys(t, path, {"stage", "curve", "summary"}, {"stage", "curve"});
    expect_string(t["stage"], child_path(path, "stage"), true);
    std::string curve_path = child_path(path, "curve");
    expect_array(t["curve"], curve_path);
    long long last_step = -1;
    for (size_t i = 0; i < t["curve"].size(); ++i) {
      const json& point = t["curve"][i];
      std::string p = index_path(curve_path, i);
      expect_object(point, p);
      if (!point.contains("step")) fail(p, "missing required key 'step'");
      expect_count(point["step"], child_path(p, "step"));
      long long step = point["step"].get<long long>();
      if (step <= last_step)
        fail(child_path(p, "step"), "steps must increase (" + std::to_string(step) + " follows " +
                                        std::to_string(last_step) + ")");
      last_step = step;
      for (const auto& item : point.items())
        if (item.key() != "step") expect_number(item.value(), child_path(p, item.key()));
    }
    if (t.contains("summary")) {
      std::string p = child_path(path, "summary");
      expect_object(t["summary"], p);
      for (const auto& item : t["summary"].items())
        if (item.value().is_structured() || item.value().is_null())
          fail(child_path(p, item.key()), std::string("expected a number, string or boolean, got ") +
                                              type_name(item.value()));
    }
  }

  void comparison(const json& c, const std::string& path, const std::set<std::string>& names) const {
    expect_object(c, path);
    check_keys(c, path,
               {"baseline", "model", "suite", "mode", "metric", "n", "delta", "ci_low", "ci_high", "p_value",
                "test", "significant"},
               {"baseline", "model", "suite", "mode", "metric", "delta", "test", "significant"});
    for (const char* key : {"baseline", "model", "suite", "mode", "metric", "test"})
      expect_string(c[key], child_path(path, key), true);
    for (const char* key : {"baseline", "model"}) {
      const std::string& name = c[key].get_ref<const std::string&>();
      if (!names.count(name)) fail(child_path(path, key), "names no model in this file ('" + name + "')");
    }
    if (c.contains("n")) expect_count(c["n"], child_path(path, "n"));
    expect_number(c["delta"], child_path(path, "delta"));
    check_interval(c, path);
    if (c.contains("p_value")) {
      std::string p = child_path(path, "p_value");
      expect_number(c["p_value"], p);
      double v = c["p_value"].get<double>();
      if (v < 0 || v > 1) fail(p, "must be between 0 and 1 (got " + c["p_value"].dump() + ")");
    }
    expect_bool(c["significant"], child_path(path, "significant"));
  }

 private:
  std::string file_;
};

}  // namespace

void validate_results_json(const nlohmann::json& j, const std::string& file) { Validator(file).root(j); }

}  // namespace qb::reports
