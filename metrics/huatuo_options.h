// The text metrics' options (HuatuoScoreOptions) in their two outside forms: the words of the
// CLI and config files ("corpus", "set", …) and the JSON object recorded in metrics.json and
// cache keys. One place for both, so `score`, `eval`, `run` and `gate` read them alike.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "metrics/huatuo_scorer.h"

namespace qb {

// "corpus" | "sentence"; "set" | "count". InputError(what, value, problem) for anything else.
BleuAggregation parse_bleu_aggregation(const std::string& word, const std::string& what = "bleu_agg");
RougeNgramMode parse_rouge_mode(const std::string& word, const std::string& what = "rouge");
const char* bleu_aggregation_name(BleuAggregation a);
const char* rouge_mode_name(RougeNgramMode m);

// {"segmenter", "hmm", "dict", "user_dict", "bleu_agg", "smooth", "rouge", "bootstrap", "seed"}:
// everything that changes a number (threads and keep_items do not).
nlohmann::json huatuo_options_to_json(const HuatuoScoreOptions& o);
// The inverse; keys may be missing (their defaults apply), unknown keys are ignored.
HuatuoScoreOptions huatuo_options_from_json(const nlohmann::json& j);

}  // namespace qb
