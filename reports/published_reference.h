// The Qilin-Med paper's published numbers (SPEC §2; arXiv 2310.09089 abstract, v1 and v2).
// Reports show them as "published" rows, never mixed with measured rows.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace qb::reports {

struct PublishedRow {
  std::string name;   // "Baichuan-7B", "Qilin-Med DCPT", …
  std::string stage;  // the measured stage it corresponds to: base, dcpt, sft, dpo ("" for RAG)
  bool rag = false;
  std::optional<double> cmexam_acc, bleu1, rouge1;
};

inline constexpr const char* kPublishedSource = "Qilin-Med paper (arXiv 2310.09089)";

// In paper order: Baichuan-7B, DCPT, SFT, DPO, RAG.
const std::vector<PublishedRow>& published_rows();

// The published row a measured model corresponds to: the RAG row for any retrieval-augmented
// model, else the row of the same stage; nullptr when the paper has none.
const PublishedRow* published_row_for(const std::string& stage, bool rag);

}  // namespace qb::reports
