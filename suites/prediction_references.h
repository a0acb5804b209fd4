// Pairs other tools' predictions with their references: from the prediction file when it
// holds them, else from the suite's dataset (`score --data`), matched by id when the file names
// ids and by position otherwise. Counts and ids that disagree are errors naming both files; when
// both the file and the dataset hold a reference, the dataset's is used and disagreements are
// counted (a sign that the two files are not aligned).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "suites/dataset.h"
#include "suites/foreign_predictions.h"
#include "suites/records.h"

namespace qb {

struct ReferenceMatch {
  std::string references = "file";  // "file" or "data"
  std::string matched_by;            // with data: "id" or "position"
  long disagreements = 0;            // items whose file reference differs from the data's
  std::vector<std::string> examples;  // the first five, "line 3: file 'B', data 'C'"
  long dropped = 0;                  // predictions of data items skipped by a lenient read
  std::vector<std::string> dropped_examples;  // the first five
};

// A Huatuo item ready for the scorer. `id` is the data item's id, else the file's id, else the
// 1-based position (as qilin-bench numbers records).
struct ForeignHuatuoItem {
  std::string id, prediction, reference;
  const ForeignPrediction* source = nullptr;
};

// `data` may be null (references from the file). Throws InputError for a record without text
// (a multiple-choice file), without a reference and no data, and for counts or ids that disagree.
// Positions count the data file's records, skipped ones included, so a lenient read of the data
// keeps the others aligned; predictions of skipped items are dropped and counted.
std::vector<ForeignHuatuoItem> match_huatuo_references(const ForeignPredictions& predictions,
                                                       const Dataset<HuatuoItem>* data,
                                                       const std::string& data_file, ReferenceMatch& match);

// A CMExam item: the question (from the data, from the file, or built from the file's gold
// letters and choices) and the record that answers it.
struct ForeignCMExamItem {
  CMExamQuestion question;
  const ForeignPrediction* source = nullptr;
  // For choices the tool numbered (ForeignChoice::positional): the choice's letter -> the
  // question's option letter at that index. Empty when the labels are the option letters.
  std::map<char, char> choice_letters;
};

// Without data, a question is made from the record: its options are the record's choices
// (labels, with their continuations as text) or, when the tool recorded none, A-E (CMExam's five
// options) with empty text; its answer is the record's reference, parsed as an Answer cell.
// With an `id` column in the data, a lenient read that skipped rows leaves positions unknown:
// matching by position is then refused.
std::vector<ForeignCMExamItem> match_cmexam_references(const ForeignPredictions& predictions,
                                                       const Dataset<CMExamQuestion>* data,
                                                       const std::string& data_file, ReferenceMatch& match);

}  // namespace qb
