// LLaMA-Factory `generated_predictions.jsonl` (`do_predict` with `predict_with_generate`, and
// scripts/vllm_infer.py): one object per line, `{"prompt", "predict", "label"}` since v0.8.3,
// `{"label", "predict"}` before. The reward-model stage writes a file of the same name holding
// `{"chosen": float, "rejected": float}`: refused by name. Beside it, `predict_results.json`
// (Trainer.save_metrics("predict")) or `predictions_score.json` (scripts/eval_bleu_rouge.py)
// hold LLaMA-Factory's own scores, read as the tool's report.
#include "suites/prediction_readers.h"

namespace qb::prediction_readers {

namespace {

// LLaMA-Factory's metric (src/llamafactory/train/sft/metric.py, ComputeSimilarity; the same in
// scripts/eval_bleu_rouge.py): per sample, NLTK sentence_bleu over the characters of label and
// prediction (Python list(str), whitespace kept) with SmoothingFunction().method3, and
// rouge-chinese F over jieba words; each ×100 rounded to 4 places, then the mean.
struct KnownScore {
  const char* name;
  const char* ours;
  const char* protocol;
};
const KnownScore kKnown[] = {
    {"bleu-4", "bleu4", "bleu4|tok:python-chars|ws:keep|agg:sentence-mean|smooth:nltk-method3|round:4"},
    {"rouge-1", "rouge1", "rouge1|tok:jieba|impl:rouge-chinese|f|ws:keep|agg:sentence-mean|round:4"},
    {"rouge-2", "rouge2", "rouge2|tok:jieba|impl:rouge-chinese|f|ws:keep|agg:sentence-mean|round:4"},
    {"rouge-l", "rougeL", "rougeL|tok:jieba|impl:rouge-chinese|f|ws:keep|agg:sentence-mean|round:4"},
    {"accuracy", "", "accuracy|match:prediction-starts-with-label (LLaMA-Factory <= 0.2)"},
};

std::optional<ToolReport> read_reported(const fs::path& predictions) {
  const fs::path dir = predictions.parent_path().empty() ? fs::path(".") : predictions.parent_path();
  for (const char* name : {"predict_results.json", "predictions_score.json"}) {
    const fs::path file = dir / name;
    if (!fs::exists(file)) continue;
    const nlohmann::json j = read_json_document(file);
    if (!j.is_object()) throw error_in_file(file.string(), "expected a JSON object of scores");
    ToolReport report;
    report.tool = "llamafactory";
    report.file = file.string();
    for (const KnownScore& k : kKnown) {
      // predict_results.json prefixes every key with the split: "predict_bleu-4".
      for (const std::string& key : {std::string("predict_") + k.name, std::string(k.name)}) {
        auto it = j.find(key);
        if (it == j.end()) continue;
        if (!it->is_number()) throw error_in_file(file.string(), "key '" + key + "' is not a number");
        report.scores.push_back({key, it->get<double>(), it->get<double>(), k.ours, k.protocol});
      }
    }
    return report;
  }
  return std::nullopt;
}

}  // namespace

ForeignPredictions read_llamafactory(const fs::path& path, const ForeignReadOptions&) {
  ForeignPredictions out;
  out.format = "llamafactory";
  out.files = {path.string()};
  bool with_prompt = false;
  long n = 0;
  for_each_json_object(path, [&](const nlohmann::json& j, const RecordLocation& loc) {
    ForeignPrediction r = record_at(loc, n++);
    if (!j.contains("predict") && j.contains("chosen") && j.contains("rejected"))
      throw r.error(
          "this is the generated_predictions.jsonl of a LLaMA-Factory reward-model run (`chosen`/`rejected` "
          "reward scores), not generated text: there is nothing to re-score");
    for (const char* key : {"predict", "label"})
      if (!j.contains(key)) throw r.error(std::string("missing field '") + key + "' (LLaMA-Factory writes prompt, predict, label)");
    r.text = text_of(j["predict"], "predict", r);
    r.reference = text_of(j["label"], "label", r);
    if (j.contains("prompt")) with_prompt = true;
    out.records.push_back(std::move(r));
  });
  out.layout = with_prompt ? "llamafactory-prompt-predict-label" : "llamafactory-label-predict";
  out.reported = read_reported(path);
  return out;
}

}  // namespace qb::prediction_readers
