// Per-sample logs (samples.jsonl) read back and scored again without any model: for merging
// shards, for the pipeline's paired comparisons and for `gate`.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "evals/suite.h"

namespace qb {

// The rows of a samples.jsonl (or a chunk of one); errors name the file and line.
std::vector<nlohmann::json> read_sample_rows(const std::filesystem::path& samples);

// The scoring part of a metrics.json "spec" (mode and metric_options); the rest is ignored.
SuiteOptions suite_options_for_scoring(const nlohmann::json& spec);

// Scores every row of `samples` with `suite`'s scorer. A row the scorer cannot use is an
// InputError naming the file and line.
std::unique_ptr<SuiteScorer> score_samples(const std::filesystem::path& samples, const std::string& suite,
                                           const SuiteOptions& options);

// Paired test of run B against run A over the same items (matched by id): McNemar (exact) for
// CMExam accuracy, paired bootstrap for every Huatuo metric.
ComparisonReport compare_samples(const std::filesystem::path& samples_a, const std::filesystem::path& samples_b,
                                 const std::string& suite, const SuiteOptions& options, int resamples, uint64_t seed);

}  // namespace qb
