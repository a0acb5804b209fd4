// DPO preference-pair reader: Qilin-Med/ChiMed {question, response_chosen, response_rejected}
// and MedicalGPT {conversations, chosen, rejected}. JSONL or a JSON list.
#pragma once

#include <filesystem>
#include <functional>

#include "suites/dataset.h"
#include "suites/records.h"

namespace qb {

// report.layout: "dpo-question" or "dpo-conversations".
ReadReport for_each_dpo(const std::filesystem::path& path,
                        const std::function<void(DpoPair&&)>& fn, const ReadOptions& opts = {});

Dataset<DpoPair> read_dpo(const std::filesystem::path& path, const ReadOptions& opts = {});

}  // namespace qb
