#include "evals/paper_claims.h"

#include "common/error.h"
#include "common/json_config.h"

namespace qb {

namespace fs = std::filesystem;
using nlohmann::json;

std::vector<StageGain> stage_gains(const reports::Results& r) {
  struct Row {
    const char *claim, *baseline, *model, *suite, *mode, *metric;
  };
  static const Row kRows[] = {
      {"DCPT raises CMExam accuracy over base", "base", "dcpt", "cmexam", "loglik", "acc"},
      {"DCPT raises CMExam accuracy over base", "base", "dcpt", "cmexam", "generate", "acc"},
      {"SFT raises CMExam accuracy over DCPT", "dcpt", "sft", "cmexam", "generate", "acc"},
      {"SFT raises CMExam accuracy over DCPT", "dcpt", "sft", "cmexam", "loglik", "acc"},
      {"DPO raises Huatuo BLEU-1 over SFT", "sft", "dpo", "huatuo26m", "generate", "bleu1"},
      {"DPO raises Huatuo ROUGE-1 over SFT", "sft", "dpo", "huatuo26m", "generate", "rouge1"},
      {"RAG raises CMExam accuracy (SFT)", "sft", "sft+rag", "cmexam", "generate", "acc"},
      {"RAG raises CMExam accuracy (SFT)", "sft", "sft+rag", "cmexam", "loglik", "acc"},
      {"RAG raises CMExam accuracy (DPO)", "dpo", "dpo+rag", "cmexam", "generate", "acc"},
  };
  std::vector<StageGain> claims;
  for (const Row& row : kRows) {
    StageGain g;
    g.claim = row.claim, g.baseline = row.baseline, g.model = row.model;
    g.suite = row.suite, g.mode = row.mode, g.metric = row.metric;
    claims.push_back(std::move(g));
  }
  for (auto& c : claims) {
    c.verdict = "not measured";
    for (auto& cmp : r.comparisons) {
      if (cmp.baseline != c.baseline || cmp.model != c.model || cmp.suite != c.suite || cmp.mode != c.mode ||
          cmp.metric != c.metric)
        continue;
      c.measured = true;
      c.delta = cmp.delta;
      c.p_value = cmp.p_value.value_or(1.0);
      c.significant = cmp.significant;
      c.verdict = c.holds() ? "gain (significant)" : c.delta > 0 ? "gain (not significant)" : "no gain";
    }
  }
  return claims;
}

std::vector<RequiredClaim> load_required_claims(const fs::path& file) {
  const json j = read_json_file(file.string());
  if (!j.is_object() || !j.contains("required") || !j["required"].is_array())
    throw InputError(file.string(), "key 'required'", "missing: a list of {claim, mode, metric}");
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.key() != "required" && it.key() != "comment")
      throw InputError(file.string(), "key '" + it.key() + "'", "unknown (known: required, comment)");
  const std::vector<StageGain> rows = stage_gains(reports::Results{});
  std::vector<RequiredClaim> out;
  for (size_t i = 0; i < j["required"].size(); ++i) {
    const json& e = j["required"][i];
    const std::string at = "required[" + std::to_string(i) + "]";
    RequiredClaim c;
    for (const char* k : {"claim", "mode", "metric"})
      if (!e.is_object() || !e.contains(k) || !e[k].is_string())
        throw InputError(file.string(), at, std::string("needs a string '") + k + "'");
    c.claim = e["claim"].get<std::string>();
    c.mode = e["mode"].get<std::string>();
    c.metric = e["metric"].get<std::string>();
    bool known = false;
    for (const auto& r : rows) known = known || r.is(c.claim, c.mode, c.metric);
    if (!known)
      throw InputError(file.string(), at,
                       "no claim '" + c.claim + "' in mode '" + c.mode + "' on metric '" + c.metric +
                           "' (the rows are those of the table `run all` prints)");
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<StageGain> check_claims(const reports::Results& r, const std::vector<RequiredClaim>& required) {
  const std::vector<StageGain> rows = stage_gains(r);
  std::vector<StageGain> out;
  for (const auto& want : required)
    for (const auto& g : rows)
      if (g.is(want.claim, want.mode, want.metric)) out.push_back(g);
  return out;
}

}  // namespace qb
