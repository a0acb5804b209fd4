#include "metrics/huatuo_options.h"

#include "common/error.h"

namespace qb {

using nlohmann::json;

BleuAggregation parse_bleu_aggregation(const std::string& word, const std::string& what) {
  if (word == "corpus") return BleuAggregation::kCorpus;
  if (word == "sentence") return BleuAggregation::kSentenceMean;
  throw InputError(what, "'" + word + "'", "must be 'corpus' or 'sentence'");
}

RougeNgramMode parse_rouge_mode(const std::string& word, const std::string& what) {
  if (word == "set") return RougeNgramMode::kSet;
  if (word == "count") return RougeNgramMode::kCount;
  throw InputError(what, "'" + word + "'", "must be 'set' or 'count'");
}

const char* bleu_aggregation_name(BleuAggregation a) { return a == BleuAggregation::kCorpus ? "corpus" : "sentence"; }
const char* rouge_mode_name(RougeNgramMode m) { return m == RougeNgramMode::kSet ? "set" : "count"; }

json huatuo_options_to_json(const HuatuoScoreOptions& o) {
  return {{"segmenter", o.metric.segmenter.kind},
          {"hmm", o.metric.segmenter.hmm},
          {"dict", o.metric.segmenter.dict_path},
          {"user_dict", o.metric.segmenter.user_dict_path},
          {"bleu_agg", bleu_aggregation_name(o.metric.bleu_agg)},
          {"smooth", o.metric.smooth},
          {"rouge", rouge_mode_name(o.metric.rouge)},
          {"bootstrap", o.bootstrap},
          {"seed", o.seed}};
}

HuatuoScoreOptions huatuo_options_from_json(const json& j) {
  HuatuoScoreOptions o;
  o.metric.segmenter.kind = j.value("segmenter", o.metric.segmenter.kind);
  o.metric.segmenter.hmm = j.value("hmm", o.metric.segmenter.hmm);
  o.metric.segmenter.dict_path = j.value("dict", o.metric.segmenter.dict_path);
  o.metric.segmenter.user_dict_path = j.value("user_dict", o.metric.segmenter.user_dict_path);
  if (j.contains("bleu_agg")) o.metric.bleu_agg = parse_bleu_aggregation(j["bleu_agg"].get<std::string>());
  o.metric.smooth = j.value("smooth", o.metric.smooth);
  if (j.contains("rouge")) o.metric.rouge = parse_rouge_mode(j["rouge"].get<std::string>());
  o.bootstrap = j.value("bootstrap", o.bootstrap);
  o.seed = j.value("seed", o.seed);
  return o;
}

}  // namespace qb
