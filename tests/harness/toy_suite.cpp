#include "tests/harness/toy_suite.h"

#include <map>
#include <unordered_map>

#include "common/error.h"
#include "metrics/statistics.h"
#include "suites/json_records.h"
#include "suites/jsonl_lines.h"

namespace qb::testing {

using nlohmann::json;

namespace {

std::string first_line_trimmed(const std::string& s) {
  std::string line = s.substr(0, s.find('\n'));
  const auto b = line.find_first_not_of(" \t"), e = line.find_last_not_of(" \t");
  return b == std::string::npos ? "" : line.substr(b, e - b + 1);
}

class CapitalsScorer : public SuiteScorer {
 public:
  void add_row(json& row) override { add(row.at("id").get<std::string>(), row.at("capital").get<std::string>(), row.at("answer").get<std::string>(), &row); }

  void add(const std::string& id, const std::string& gold, const std::string& answer, json* row = nullptr) {
    if (index_.count(id)) throw InputError("<row>", "item '" + id + "'", "id appears twice");
    const bool ok = first_line_trimmed(answer) == gold;
    index_[id] = correct_.size();
    ids_.push_back(id);
    correct_.push_back(ok);
    if (row) (*row)["correct"] = ok;
  }

  ScoreReport report() const override {
    int64_t k = 0;
    for (bool c : correct_) k += c;
    const int64_t n = static_cast<int64_t>(correct_.size());
    const Interval w = wilson_interval(k, n);
    ScoreReport r;
    r.suite = "capitals";
    r.mode = "generate";
    r.n = n;
    MetricScore m;
    m.value = n ? 100.0 * static_cast<double>(k) / static_cast<double>(n) : 0.0;
    m.ci_low = 100.0 * w.lo;
    m.ci_high = 100.0 * w.hi;
    m.signature = "exact_match|first-line|trim";
    m.counts = {{"correct", k}, {"n", n}};
    r.metrics["exact_match"] = m;
    return r;
  }

  ComparisonReport compare(const SuiteScorer& other, int, uint64_t) const override {
    const auto& b = dynamic_cast<const CapitalsScorer&>(other);
    int64_t only_a = 0, only_b = 0, ka = 0, kb = 0;
    for (size_t i = 0; i < ids_.size(); ++i) {
      auto it = b.index_.find(ids_[i]);
      if (it == b.index_.end()) throw InputError("<compare>", "item '" + ids_[i] + "'", "missing from the second run");
      const bool x = correct_[i], y = b.correct_[it->second];
      ka += x, kb += y, only_a += x && !y, only_b += y && !x;
    }
    const double n = static_cast<double>(ids_.size());
    ComparisonReport c;
    c.test = "mcnemar-exact";
    c.n = static_cast<int64_t>(ids_.size());
    c.metrics["exact_match"] = PairedDelta{100.0 * ka / n, 100.0 * kb / n, 100.0 * (kb - ka) / n,
                                           mcnemar_exact_p(only_a, only_b), "exact_match|first-line|trim"};
    return c;
  }

 private:
  std::vector<std::string> ids_;
  std::vector<bool> correct_;
  std::unordered_map<std::string, size_t> index_;
};

// id -> (country, capital), in file order.
std::vector<std::pair<std::string, std::pair<std::string, std::string>>> read_items(const std::filesystem::path& p) {
  std::vector<std::pair<std::string, std::pair<std::string, std::string>>> out;
  ReadReport report;
  for_each_json_record(p, ReadOptions{}, report, [&](const json& r, const RecordLocation& at) {
    for (const char* k : {"id", "country", "capital"})
      if (!r.contains(k) || !r[k].is_string()) throw at.error(std::string("missing string field '") + k + "'");
    out.push_back({r["id"], {r["country"], r["capital"]}});
  });
  return out;
}

}  // namespace

std::vector<SuiteItem> CapitalsSuite::build_items(const SuiteOptions& options, ReadReport& report) const {
  std::vector<SuiteItem> items;
  for (const auto& [id, item] : read_items(options.data)) {
    if (options.limit > 0 && static_cast<long>(items.size()) >= options.limit) break;
    SuiteItem it;
    it.log = {{"id", id}, {"capital", item.second}};
    it.query = item.first;
    it.generate.id = id;
    it.generate.prompt = item.first + "的首都是";
    it.generate.max_new_tokens = options.max_new_tokens > 0 ? options.max_new_tokens : 4;
    it.generate.stop = {"\n"};
    items.push_back(std::move(it));
  }
  report.records_read = static_cast<long>(items.size());
  return items;
}

std::unique_ptr<SuiteScorer> CapitalsSuite::new_scorer(const SuiteOptions&) const {
  return std::make_unique<CapitalsScorer>();
}

std::unique_ptr<SuiteScorer> CapitalsSuite::score_predictions(const std::filesystem::path& predictions,
                                                              const SuiteOptions& options) const {
  std::map<std::string, std::string> gold;
  for (const auto& [id, item] : read_items(options.data)) gold[id] = item.second;
  auto scorer = std::make_unique<CapitalsScorer>();
  const std::string path = predictions.string();
  for_each_jsonl_object(path, [&](const json& j, long line, long record) {
    const std::string id = prediction_item_id(j, path, line, record);
    auto g = gold.find(id);
    if (g == gold.end()) throw error_at_line(path, line, "id '" + id + "' is not an item of " + options.data.string());
    scorer->add(id, g->second, prediction_text_field(j, "prediction", path, line));
  });
  return scorer;
}

}  // namespace qb::testing
