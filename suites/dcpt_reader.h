// DCPT (continued pre-training) text reader: plain .txt or JSONL {"text": ...}.
#pragma once

#include <filesystem>
#include <functional>

#include "suites/dataset.h"
#include "suites/records.h"

namespace qb {

enum class DcptSplit {
  kAuto,        // decide from content (below)
  kLines,       // one document per non-blank line
  kParagraphs,  // documents are runs of non-blank lines separated by blank lines
};

// kAuto picks kParagraphs when blank lines number at least a tenth of the non-blank
// lines (hard-wrapped text: a blank line every <=10 lines), else kLines (one document
// per line; the occasional blank line between chapters is just a separator).
// A file whose first non-blank character is '{' is read as JSONL {"text": ...}.
struct DcptOptions {
  ReadOptions read;
  DcptSplit split = DcptSplit::kAuto;
};

// report.layout: "dcpt-lines", "dcpt-paragraphs" or "dcpt-jsonl".
ReadReport for_each_dcpt(const std::filesystem::path& path,
                         const std::function<void(DcptDocument&&)>& fn, const DcptOptions& opts = {});

Dataset<DcptDocument> read_dcpt(const std::filesystem::path& path, const DcptOptions& opts = {});

}  // namespace qb
