// Huatuo-26M reader: official JSONL (`questions`, `answers`, each a string or a list),
// the JSON list of {id, instruction: [q], input, output: [a]}, and plain {question, answer} JSONL.
#pragma once

#include <filesystem>
#include <functional>

#include "suites/dataset.h"
#include "suites/records.h"

namespace qb {

// report.layout: "huatuo-json-list" or "huatuo-jsonl"; report.columns: the first record's keys.
ReadReport for_each_huatuo(const std::filesystem::path& path,
                           const std::function<void(HuatuoItem&&)>& fn, const ReadOptions& opts = {});

Dataset<HuatuoItem> read_huatuo(const std::filesystem::path& path, const ReadOptions& opts = {});

}  // namespace qb
