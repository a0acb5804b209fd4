// EvalScope v1.x caches, one JSON object per line (evalscope/api/evaluator/cache.py):
//   predictions/<model>/<benchmark>_<subset>.jsonl (ModelResult): {"index", "model",
//     "model_output": {"choices": [{"message": {"content": text or [{"type": "text", "text"}, …]}}]},
//     "messages", "metadata"}: no reference, so --data supplies it.
//   reviews/<model>/<benchmark>_<subset>.jsonl (ReviewResult): {"index", "input" (v1.0) or
//     "messages", "target", "sample_score": {"score": {"value": {"acc": 1.0}, "prediction",
//     "extracted_prediction", …}, "sample_id", …}}.
// `index` is the sample's position in the benchmark subset (the dataset is reindexed 0 … N-1).
// A review's `score.value` is EvalScope's own per-sample score; their means are read as the
// tool's report (EvalScope's default aggregation is the mean).
#include <map>

#include "suites/prediction_readers.h"

namespace qb::prediction_readers {

namespace {

// ChatMessage.text: a string, or the `text` parts of a content list joined by "\n".
std::string message_text(const nlohmann::json& content, const ForeignPrediction& r) {
  if (content.is_null() || content.is_string()) return text_of(content, "content", r);
  if (!content.is_array()) throw r.error("message content is " + std::string(content.type_name()) + ", expected text or a list of parts");
  std::string out;
  bool first = true;
  for (const auto& part : content) {
    if (!part.is_object() || part.value("type", "") != "text") continue;
    if (!first) out += "\n";
    out += text_of(part.contains("text") ? part["text"] : nlohmann::json(), "text", r);
    first = false;
  }
  return out;
}

std::string completion(const nlohmann::json& model_output, const ForeignPrediction& r) {
  if (model_output.is_null()) return "";  // the request failed: scored as an empty answer
  if (!model_output.is_object()) throw r.error("'model_output' is not an object");
  auto choices = model_output.find("choices");
  if (choices == model_output.end() || !choices->is_array() || choices->empty()) return "";
  const nlohmann::json& choice = (*choices)[0];
  if (!choice.is_object() || !choice.contains("message") || !choice["message"].is_object())
    throw r.error("model_output.choices[0] has no message");
  const nlohmann::json& message = choice["message"];
  return message_text(message.contains("content") ? message["content"] : nlohmann::json(), r);
}

}  // namespace

ForeignPredictions read_evalscope(const fs::path& path, const ForeignReadOptions&) {
  ForeignPredictions out;
  out.format = "evalscope";
  out.files = {path.string()};
  std::string kind;  // "reviews" or "predictions", fixed by the first record
  std::map<std::string, std::pair<double, long>> value_sums;  // review score.value key -> sum, count
  for_each_json_object(path, [&](const nlohmann::json& j, const RecordLocation& loc) {
    ForeignPrediction r = record_at(loc, 0);  // the position is its `index`, read below
    const std::string this_kind = j.contains("sample_score") ? "reviews" : j.contains("model_output") ? "predictions" : "";
    if (this_kind.empty()) throw r.error("neither 'sample_score' (a review) nor 'model_output' (a prediction)");
    if (kind.empty()) kind = this_kind;
    if (this_kind != kind) throw r.error("a " + this_kind + " record in a file of " + kind);
    auto index = j.find("index");
    if (index == j.end() || !index->is_number_integer() || index->get<long long>() < 0)
      throw r.error("missing or non-integer field 'index'");
    r.position = index->get<long>();
    r.kind = ForeignAnswerKind::kText;
    if (kind == "predictions") {
      r.text = completion(j["model_output"], r);
    } else {
      const nlohmann::json& ss = j["sample_score"];
      if (!ss.is_object() || !ss.contains("score") || !ss["score"].is_object())
        throw r.error("'sample_score' has no 'score' object");
      const nlohmann::json& score = ss["score"];
      r.text = text_of(score.contains("prediction") ? score["prediction"] : nlohmann::json(), "sample_score.score.prediction", r);
      if (auto t = j.find("target"); t != j.end() && !t->is_null()) r.reference = scalar_text_of(*t, "target", r);
      if (auto v = score.find("value"); v != score.end() && v->is_object())
        for (const auto& [name, value] : v->items())
          if (value.is_number() || value.is_boolean()) {
            auto& [sum, n] = value_sums[name];
            sum += value.is_boolean() ? (value.get<bool>() ? 1.0 : 0.0) : value.get<double>();
            ++n;
          }
    }
    out.records.push_back(std::move(r));
  });
  sort_by_position(out);
  out.layout = "evalscope-" + kind;
  if (!value_sums.empty()) {
    ToolReport report;
    report.tool = "evalscope";
    report.file = path.string();
    for (const auto& [name, sn] : value_sums) {
      ToolScore s;
      s.name = "mean " + name;
      s.value = sn.first / static_cast<double>(sn.second);
      // Accuracy is a mean of 0/1 scores: a fraction. Other metrics keep the scale EvalScope gave them.
      s.percent = name == "acc" ? s.value * 100 : s.value;
      s.ours = name == "acc" ? "acc" : "";
      s.protocol = name + "|evalscope|agg:mean of the reviews' sample_score.score.value." + name +
                   (name == "acc" ? "|extract:the benchmark's own answer extraction" : "");
      report.scores.push_back(std::move(s));
    }
    out.reported = std::move(report);
  }
  return out;
}

}  // namespace qb::prediction_readers
