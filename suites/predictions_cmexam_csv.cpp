// CSV files written by the CMExam and Qilin-Med evaluation scripts: the CMExam test CSV with
// the model's answers added as columns, so each row holds its own question and gold answer.
//   CMExam src/evaluation/evaluate_gpt_result.py: `raw_prediction` (the model's reply),
//     `predicted_answer` (letters cut out by the regex 答案：(.*)，), `predicted_explanation`;
//     written with index=False.
//   Qilin-Med eval/CMExam/evaluators/baichuan.py: `model_output` (few-shot runs only) and
//     `correctness` (0/1); written with pandas' index as a first column without a name.
// UTF-8 with or without BOM (suites/csv_reader.h). The options and answer are parsed with the
// CMExam reader's rules (suites/cmexam_reader.h).
#include <map>
#include <set>

#include "suites/cmexam_reader.h"
#include "suites/prediction_readers.h"
#include "suites/text_util.h"

namespace qb::prediction_readers {

namespace {

const std::set<std::string> kToolColumns = {"raw_prediction", "predicted_answer", "predicted_explanation",
                                            "model_output", "correctness"};

}  // namespace

ForeignPredictions read_cmexam_csv(const fs::path& path, const ForeignReadOptions& options) {
  CsvTable csv(path);
  const std::string& file = csv.file();
  const std::vector<std::string>& header = csv.header();
  const long header_line = csv.header_line();
  std::map<std::string, size_t> col;
  for (size_t i = 0; i < header.size(); ++i) col.emplace(header[i], i);
  CsvRecord rec;
  auto need = [&](const std::string& name, const std::string& why) {
    if (!col.count(name))
      throw error_at_line(file, header_line, "no column '" + name + "' " + why + " (the header has: " + join(header, ", ") + ")");
    return col[name];
  };
  for (const char* name : {"Question", "Options", "Answer"}) need(name, "(a CMExam CSV with predictions holds its questions)");

  ForeignPredictions out;
  out.format = "cmexam-csv";
  out.files = {file};
  std::string prediction_column = options.fields.prediction;
  if (prediction_column.empty()) {
    const bool gpt = col.count("raw_prediction"), qilin = col.count("model_output");
    if (gpt && qilin)
      throw error_at_line(file, header_line,
                          "ambiguous: both 'raw_prediction' (CMExam's scripts) and 'model_output' (Qilin-Med's) are "
                          "columns; pass --field prediction=COLUMN");
    if (gpt || qilin) {
      prediction_column = gpt ? "raw_prediction" : "model_output";
    } else if (col.count("predicted_answer")) {
      prediction_column = "predicted_answer";
    } else if (col.count("correctness")) {
      throw error_at_line(file, header_line,
                          "a 'correctness' column but no 'model_output': Qilin-Med writes the model's answers only for "
                          "few-shot runs, so this zero-shot file has nothing to re-score");
    } else {
      throw error_at_line(file, header_line,
                          "no prediction column: expected 'raw_prediction' (CMExam) or 'model_output' (Qilin-Med); "
                          "pass --field prediction=COLUMN (the header has: " + join(header, ", ") + ")");
    }
  }
  const size_t c_pred = need(prediction_column, "named by --field prediction");
  const size_t c_question = col["Question"], c_options = col["Options"], c_answer = col["Answer"];
  const bool pandas_index = !header.empty() && (header[0].empty() || header[0] == "Unnamed: 0");
  std::string id_column = options.fields.id;
  if (id_column.empty() && col.count("id")) id_column = "id";
  if (id_column.empty() && col.count("ID")) id_column = "ID";
  const bool has_id = !id_column.empty();
  const size_t c_id = has_id ? need(id_column, "named by --field id") : 0;
  if (!options.fields.reference.empty() && options.fields.reference != "Answer")
    throw error_in_file(file, "--field reference: a CMExam CSV's gold answers are its 'Answer' column");

  // The tools' own accuracy, recomputed from their columns exactly as their scripts do.
  const bool gpt_answers = col.count("predicted_answer") > 0, qilin_correct = col.count("correctness") > 0;
  long gpt_total = 0, gpt_correct = 0, qilin_rows = 0;
  double qilin_sum = 0;

  long row = 0;
  ForeignPrediction r;
  while (csv.next(rec, r)) {
    ++row;
    RecordLocation loc;
    loc.file = file;
    loc.line = rec.line;
    loc.record = row;
    r.position = row - 1;
    if (pandas_index) {
      const std::string index(trim(rec.fields[0]));
      if (index.empty() || index.find_first_not_of("0123456789") != std::string::npos)
        throw r.error("the index column holds " + shown(index) + ", expected pandas' row number");
      r.position = std::stol(index);
    }
    if (has_id) {
      r.id = std::string(trim(rec.fields[c_id]));
      if (r.id.empty()) throw r.error("empty id in column '" + id_column + "'");
    }
    CMExamQuestion q;
    q.line = rec.line;
    q.question = rec.fields[c_question];
    if (trim(q.question).empty()) throw r.error("empty question");
    q.options = parse_cmexam_options(rec.fields[c_options], loc);
    q.answer = parse_cmexam_answer(rec.fields[c_answer], q.options, loc);
    if (col.count("Explanation")) q.explanation = std::string(trim(rec.fields[col["Explanation"]]));
    for (size_t i = 0; i < header.size(); ++i) {
      const std::string& name = header[i];
      if ((pandas_index && i == 0) || i == c_question || i == c_options || i == c_answer || i == c_pred ||
          (has_id && i == c_id) || name == "Explanation" || kToolColumns.count(name))
        continue;
      q.annotations.emplace(name, std::string(trim(rec.fields[i])));
    }
    r.kind = ForeignAnswerKind::kText;
    r.text = rec.fields[c_pred];
    r.reference = q.answer;
    r.question = std::move(q);
    if (gpt_answers) {
      const std::string& predicted = rec.fields[col["predicted_answer"]];
      if (!predicted.empty()) {  // pandas reads an empty cell as NaN, which the script skips
        ++gpt_total;
        gpt_correct += predicted == rec.fields[c_answer];
      }
    }
    if (qilin_correct) {
      const std::string c(trim(rec.fields[col["correctness"]]));
      if (c != "0" && c != "1") throw r.error("'correctness' holds " + shown(c) + ", expected 0 or 1");
      qilin_sum += c == "1";
      ++qilin_rows;
    }
    out.records.push_back(r);
    r = ForeignPrediction();
  }
  if (row == 0) throw error_in_file(file, "no rows: the file holds only a header");
  sort_by_position(out);
  out.layout = "cmexam-csv (" + prediction_column + ")";

  ToolReport report;
  report.tool = prediction_column == "model_output" || qilin_correct ? "qilin-med" : "cmexam";
  report.file = file;
  if (gpt_answers && gpt_total > 0) {
    const double v = static_cast<double>(gpt_correct) / static_cast<double>(gpt_total);
    report.scores.push_back({"predicted_answer == Answer", v, v * 100, "acc",
                             "acc|cmexam:evaluate_gpt_result.py|pred:predicted_answer (regex 答案：(.*)，)|match:exact-string|"
                             "n:rows with a predicted_answer (" + std::to_string(gpt_total) + " of " + std::to_string(row) + ")"});
  }
  if (qilin_correct) {
    const double v = 100.0 * qilin_sum / static_cast<double>(qilin_rows);
    report.scores.push_back({"correctness", v, v, "acc",
                             "acc|qilin-med:eval_baichuan.py|extract:first run of capital letters A-Z|match:exact-string"});
  }
  if (!report.scores.empty()) out.reported = std::move(report);
  return out;
}

}  // namespace qb::prediction_readers
