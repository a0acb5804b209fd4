#include "evals/samples.h"

#include "common/error.h"
#include "evals/suite_registry.h"
#include "metrics/huatuo_options.h"
#include "suites/json_records.h"

namespace qb {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Rows with the line each came from, so a scoring error can name it.
std::vector<std::pair<json, long>> read_rows_with_lines(const fs::path& p) {
  std::vector<std::pair<json, long>> out;
  ReadReport report;
  for_each_json_record(p, ReadOptions{}, report,
                       [&](const json& r, const RecordLocation& at) { out.emplace_back(r, at.line); });
  return out;
}

}  // namespace

std::vector<json> read_sample_rows(const fs::path& samples) {
  std::vector<json> out;
  for (auto& [row, line] : read_rows_with_lines(samples)) out.push_back(std::move(row));
  return out;
}

SuiteOptions suite_options_for_scoring(const json& spec) {
  SuiteOptions o;
  o.mode = spec.value("mode", "");
  if (spec.contains("metric_options")) o.scoring = huatuo_options_from_json(spec["metric_options"]);
  return o;
}

std::unique_ptr<SuiteScorer> score_samples(const fs::path& samples, const std::string& suite,
                                           const SuiteOptions& options) {
  auto scorer = find_suite(suite).new_scorer(options);
  for (auto& [row, line] : read_rows_with_lines(samples)) {
    try {
      scorer->add_row(row);
    } catch (const InputError& e) {
      throw error_at_line(samples.string(), line, e.where() + ": " + e.problem());
    } catch (const json::exception& e) {
      throw error_at_line(samples.string(), line, std::string("not a scorable row: ") + e.what());
    }
  }
  return scorer;
}

ComparisonReport compare_samples(const fs::path& a, const fs::path& b, const std::string& suite,
                                 const SuiteOptions& options, int resamples, uint64_t seed) {
  return score_samples(a, suite, options)->compare(*score_samples(b, suite, options), resamples, seed);
}

}  // namespace qb
