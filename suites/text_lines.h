// Line-by-line reading of plain-text data files (DCPT text, RAG passages).
#pragma once

#include <filesystem>
#include <functional>
#include <string_view>

#include "suites/read_options.h"

namespace qb {

// Calls fn(line_number, text) for every line, blank ones included; the trailing CR of a
// CRLF line end and a BOM on line 1 are removed. Streams: memory stays one line.
void for_each_text_line(const std::filesystem::path& path,
                        const std::function<void(long, std::string_view)>& fn);

// Throws "line N: invalid UTF-8 (byte 0xXX at column C)" when `text` is not valid UTF-8.
void check_utf8_line(std::string_view text, const RecordLocation& loc);

// Whether a line holds nothing but whitespace.
bool blank_line(std::string_view text);

}  // namespace qb
