// SFT dialogue reader: ShareGPT {conversations: [{from, value}]} with from human/gpt,
// input/output, user/assistant or system; and Alpaca {instruction, input, output}.
// JSONL or a JSON list.
#pragma once

#include <filesystem>
#include <functional>

#include "suites/dataset.h"
#include "suites/records.h"

namespace qb {

// report.layout: "sft-sharegpt" or "sft-alpaca".
ReadReport for_each_sft(const std::filesystem::path& path,
                        const std::function<void(SftDialogue&&)>& fn, const ReadOptions& opts = {});

Dataset<SftDialogue> read_sft(const std::filesystem::path& path, const ReadOptions& opts = {});

}  // namespace qb
