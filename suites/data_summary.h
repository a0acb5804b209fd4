// The JSON summary `qilin-bench data inspect` prints: detected kind, counts, columns,
// length statistics and histograms, and (lenient mode) the skipped records' errors.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>

#include "suites/data_format.h"
#include "suites/read_options.h"

namespace qb {

struct SummaryOptions {
  std::optional<DataFormat> format;  // detected from content when absent
  ReadOptions read;
};

// Reads `path` with the matching reader, streaming (records are not kept), and returns
// one ordered JSON object. Fields for every kind: file, format, layout, rows (records
// read), skipped, columns, errors (messages of skipped records, first max_errors_kept).
// Lengths are in Unicode code points; means are rounded to 2 decimals.
// Throws InputError for bad input in strict mode (and for unreadable files always).
nlohmann::ordered_json summarize_data_file(const std::filesystem::path& path, const SummaryOptions& opts = {});

}  // namespace qb
