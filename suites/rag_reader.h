// RAG knowledge-corpus reader: JSONL {"问", "答"} or {question, answer} (a JSON list too),
// or plain text with one passage per non-blank line.
#pragma once

#include <filesystem>
#include <functional>

#include "suites/dataset.h"
#include "suites/records.h"

namespace qb {

// report.layout: "rag-qa-zh", "rag-qa", "rag-text" (JSON {"text"}) or "rag-lines".
ReadReport for_each_rag(const std::filesystem::path& path,
                        const std::function<void(RagPassage&&)>& fn, const ReadOptions& opts = {});

Dataset<RagPassage> read_rag(const std::filesystem::path& path, const ReadOptions& opts = {});

}  // namespace qb
