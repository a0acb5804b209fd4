// The safetensors header: 8-byte little-endian length N, then N bytes of JSON naming
// every tensor's dtype, shape and [begin, end) byte range in the data that follows.
// Parsing and validation only; no torch here, so `model describe` and reports can use it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace qb {

struct SafetensorsEntry {
  std::string dtype;            // "F32", "F16" or "BF16" (others are rejected)
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;  // byte range, relative to the start of the data section

  int64_t numel() const;
};

struct SafetensorsHeader {
  std::map<std::string, SafetensorsEntry> tensors;
  std::map<std::string, std::string> metadata;  // "__metadata__"
  uint64_t data_offset = 0;                     // 8 + header length
  uint64_t file_size = 0;
};

// Bytes per element of a safetensors dtype; 0 for a dtype this project does not read.
int dtype_size(const std::string& dtype);

// Validates the header against the file's size: a truncated file, overlapping or
// out-of-range offsets, a byte count that does not match shape x dtype, an unknown
// dtype are each a qb::InputError naming the file and the tensor.
SafetensorsHeader parse_safetensors_header(const std::string& header_json, uint64_t file_size,
                                           const std::string& file);
SafetensorsHeader read_safetensors_header(const std::filesystem::path& path);

}  // namespace qb
