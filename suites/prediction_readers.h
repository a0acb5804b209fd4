// The per-tool readers behind read_foreign_predictions (suites/prediction_formats.h), one
// file each, and the small pieces they share. Not for use outside suites/.
#pragma once

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "suites/csv_reader.h"
#include "suites/foreign_predictions.h"
#include "suites/read_options.h"

namespace qb::prediction_readers {

namespace fs = std::filesystem;

ForeignPredictions read_llamafactory(const fs::path& path, const ForeignReadOptions& options);
ForeignPredictions read_lm_eval(const fs::path& path, const ForeignReadOptions& options);
ForeignPredictions read_opencompass(const fs::path& path, const ForeignReadOptions& options);
ForeignPredictions read_evalscope(const fs::path& path, const ForeignReadOptions& options);
ForeignPredictions read_cmexam_csv(const fs::path& path, const ForeignReadOptions& options);
ForeignPredictions read_fields(const fs::path& path, const ForeignReadOptions& options);

// "line 12" (JSONL, CSV) or "record 3" (an element of a JSON list).
std::string where_of(const RecordLocation& loc);

// A record of `loc`'s file at `loc`, at 0-based `position` in the evaluated dataset.
ForeignPrediction record_at(const RecordLocation& loc, long position);

// A CSV file of predictions: its trimmed header (a name used twice is an error, an empty one
// allowed: pandas' unnamed index) and its rows, each checked to have the header's field count.
class CsvTable {
 public:
  explicit CsvTable(const fs::path& path);
  const std::string& file() const { return file_; }
  const std::vector<std::string>& header() const { return header_; }
  long header_line() const { return header_line_; }
  std::optional<size_t> column(const std::string& name) const;
  // The next row, or false at the end; `where` is set to the row's location.
  bool next(CsvRecord& row, ForeignPrediction& where);

 private:
  std::string file_;
  std::ifstream in_;
  CsvReader reader_;
  std::vector<std::string> header_;
  std::map<std::string, size_t> columns_;
  long header_line_ = 0;
};

// Every JSON object of a JSONL file or a JSON list file, strictly (the first bad record throws).
void for_each_json_object(const fs::path& path,
                          const std::function<void(const nlohmann::json&, const RecordLocation&)>& fn);

// A whole JSON document (OpenCompass, tool score files); syntax errors name the line.
nlohmann::json read_json_document(const fs::path& path);

// `j[key]` or, for a dotted path "a.b", `j["a"]["b"]` (a literal key with dots wins); null when absent.
const nlohmann::json* find_field(const nlohmann::json& j, const std::string& path);

// A text field: a string, or null (""). Anything else is an error naming the field and its type.
std::string text_of(const nlohmann::json& v, const std::string& field, const ForeignPrediction& at);

// A reference (or id): a string, or an integer/number written without a fraction.
std::string scalar_text_of(const nlohmann::json& v, const std::string& field, const ForeignPrediction& at);

// A number written as a JSON number or as a numeric string (lm-eval >= 0.4.3 writes every
// response value with str()): "-1.25", "-inf". NaN and other text are errors.
double number_of(const nlohmann::json& v, const std::string& field, const ForeignPrediction& at);

// Sorts the records by position and rejects a position used twice (naming both places).
void sort_by_position(ForeignPredictions& p);

}  // namespace qb::prediction_readers
