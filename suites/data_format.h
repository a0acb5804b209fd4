// The data kinds qilin-bench reads, their CLI names, and detection from content.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace qb {

enum class DataFormat { kCMExam, kHuatuo, kDcpt, kSft, kDpo, kRag };

// "cmexam", "huatuo", "dcpt", "sft", "dpo", "rag".
std::string format_name(DataFormat f);
std::optional<DataFormat> parse_format_name(const std::string& name);

// Detects the kind from content (not the file name):
//  - a first line with commas that names Question or Options, or a .csv file -> cmexam
//  - JSON (list or lines), by the first record's keys:
//      questions/answers, question/answer, list-valued instruction/output -> huatuo
//      问/答 -> rag;  text -> dcpt;  chosen/rejected or response_chosen -> dpo;
//      conversations or string-valued instruction/output -> sft
//  - anything else (plain text)                           -> dcpt
// Plain {question, answer} JSONL is read as huatuo and plain text as dcpt; pass
// --format rag to read either as a RAG corpus. Throws InputError for an empty file or
// JSON whose first record matches no kind.
DataFormat detect_format(const std::filesystem::path& path);

}  // namespace qb
