// CMExam reader: the official 9-column CSV (Options cell with real newlines) and the
// 4-column variant (Options cell with a literal backslash-n between options).
#pragma once

#include <filesystem>
#include <functional>

#include "suites/dataset.h"
#include "suites/records.h"

namespace qb {

// The columns every CMExam CSV must have (any order; matched exactly after trimming).
inline const char* const kCMExamRequiredColumns[] = {"Question", "Options", "Answer", "Explanation"};
// The annotation columns of the official layout (kept, like any other extra column).
inline const char* const kCMExamAnnotationColumns[] = {"Disease Group", "Area of Competency",
                                                       "Clinical Department", "Medical Discipline",
                                                       "Difficulty level"};

// Streams the questions of `path` to `fn`. report.columns holds the header,
// report.layout is "cmexam-9col", "cmexam-4col" or "cmexam-<N>col".
ReadReport for_each_cmexam(const std::filesystem::path& path,
                           const std::function<void(CMExamQuestion&&)>& fn,
                           const ReadOptions& opts = {});

Dataset<CMExamQuestion> read_cmexam(const std::filesystem::path& path, const ReadOptions& opts = {});

// Parses one Options cell into letter -> text. Lines are separated by real newlines
// or by the two characters backslash-n; each line is "<letter><space><text>" (also
// accepted: "A.", "A、", "A:", "A：" after the letter). Throws InputError at `where`.
std::map<char, std::string> parse_cmexam_options(const std::string& cell, const RecordLocation& where);

// Parses an Answer cell ("C", "ACE", "A,C") into a sorted letter set; throws for an
// empty/"nan" answer or a letter that names no option.
std::string parse_cmexam_answer(const std::string& cell, const std::map<char, std::string>& options,
                                const RecordLocation& where);

}  // namespace qb
