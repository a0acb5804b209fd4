// Display order and labels for suites, modes and metrics. Reports render every metric found in
// results.json; this catalog only decides where the known ones go and what they are called, so a
// metric added to the metrics module appears (alphabetically after the known ones, under its own
// name) without any change here.
#pragma once

#include <string>

namespace qb::reports {

// Sort ranks: known names in a fixed order, unknown names after them (ties broken by name).
int suite_rank(const std::string& suite);
int mode_rank(const std::string& mode);
int metric_rank(const std::string& metric);

// "cmexam" -> "CMExam", "bleu1" -> "BLEU-1", "rougeL" -> "ROUGE-L", unknown -> unchanged.
std::string suite_label(const std::string& suite);
std::string metric_label(const std::string& metric);

// True for metrics where a lower value is better (extraction_failure_rate); deltas are coloured
// accordingly.
bool lower_is_better(const std::string& metric);

}  // namespace qb::reports
