#include "reports/published_reference.h"

namespace qb::reports {

const std::vector<PublishedRow>& published_rows() {
  static const std::vector<PublishedRow> rows = {
      {"Baichuan-7B", "base", false, 33.5, std::nullopt, std::nullopt},
      {"Qilin-Med DCPT", "dcpt", false, 38.4, std::nullopt, std::nullopt},
      {"Qilin-Med SFT", "sft", false, 40.0, 12.69, 24.21},
      {"Qilin-Med DPO", "dpo", false, std::nullopt, 16.66, 27.44},
      {"Qilin-Med-RAG", "", true, 42.8, std::nullopt, std::nullopt},
  };
  return rows;
}

const PublishedRow* published_row_for(const std::string& stage, bool rag) {
  for (const auto& row : published_rows())
    if (rag ? row.rag : (!row.rag && row.stage == stage)) return &row;
  return nullptr;
}

}  // namespace qb::reports
