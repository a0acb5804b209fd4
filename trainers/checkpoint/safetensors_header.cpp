#include "trainers/checkpoint/safetensors_header.h"
#include "common/json_number_overflow.h"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/error.h"

namespace qb {

int64_t SafetensorsEntry::numel() const {
  int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

int dtype_size(const std::string& dtype) {
  if (dtype == "F32") return 4;
  if (dtype == "F16" || dtype == "BF16") return 2;
  return 0;
}

SafetensorsHeader parse_safetensors_header(const std::string& header_json, uint64_t file_size,
                                           const std::string& file) {
  SafetensorsHeader h;
  h.file_size = file_size;
  h.data_offset = 8 + header_json.size();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(header_json);
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(file, "header", std::string("invalid JSON: ") + e.what());
  } catch (const nlohmann::json::out_of_range& e) {
    throw InputError(file, "header", locate_number_overflow(header_json, e).problem());
  }
  if (!j.is_object()) throw InputError(file, "header", "must be a JSON object");
  const uint64_t data_size = file_size - h.data_offset;
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key() == "__metadata__") {
      if (!it->is_object()) throw InputError(file, "header", "__metadata__ must be an object");
      for (auto m = it->begin(); m != it->end(); ++m)
        h.metadata[m.key()] = m->is_string() ? m->get<std::string>() : m->dump();
      continue;
    }
    const std::string where = "tensor '" + it.key() + "'";
    const auto& t = *it;
    if (!t.is_object() || !t.contains("dtype") || !t.contains("shape") || !t.contains("data_offsets"))
      throw InputError(file, where, "entry needs dtype, shape and data_offsets");
    SafetensorsEntry e;
    e.dtype = t["dtype"].is_string() ? t["dtype"].get<std::string>() : "?";
    if (dtype_size(e.dtype) == 0)
      throw InputError(file, where, "dtype " + t["dtype"].dump() + " is not supported (F32, F16, BF16)");
    if (!t["shape"].is_array()) throw InputError(file, where, "shape must be an array");
    for (const auto& d : t["shape"]) {
      if (!d.is_number_integer() || d.get<int64_t>() < 0) throw InputError(file, where, "bad shape " + t["shape"].dump());
      e.shape.push_back(d.get<int64_t>());
    }
    const auto& off = t["data_offsets"];
    if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
      throw InputError(file, where, "data_offsets must be two non-negative integers");
    e.begin = off[0].get<uint64_t>();
    e.end = off[1].get<uint64_t>();
    if (e.end < e.begin) throw InputError(file, where, "data_offsets end before they begin");
    const uint64_t expected = static_cast<uint64_t>(e.numel()) * dtype_size(e.dtype);
    if (e.end - e.begin != expected)
      throw InputError(file, where,
                       "holds " + std::to_string(e.end - e.begin) + " bytes but shape " + t["shape"].dump() +
                           " x " + e.dtype + " needs " + std::to_string(expected));
    if (e.end > data_size)
      throw InputError(file, where,
                       "data ends at byte " + std::to_string(h.data_offset + e.end) + " but the file has " +
                           std::to_string(file_size) + " bytes (truncated?)");
    ranges.emplace_back(e.begin, e.end);
    h.tensors.emplace(it.key(), std::move(e));
  }
  std::sort(ranges.begin(), ranges.end());
  for (size_t i = 1; i < ranges.size(); ++i)
    if (ranges[i].first < ranges[i - 1].second) throw InputError(file, "header", "tensor byte ranges overlap");
  return h;
}

SafetensorsHeader read_safetensors_header(const std::filesystem::path& path) {
  const std::string file = path.string();
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(file, "open", "cannot read the file");
  std::error_code ec;
  const uint64_t size = std::filesystem::file_size(path, ec);
  if (ec || size < 8) throw InputError(file, "header", "file is shorter than the 8-byte header length (truncated?)");
  unsigned char len_bytes[8];
  in.read(reinterpret_cast<char*>(len_bytes), 8);
  uint64_t len = 0;
  for (int i = 7; i >= 0; --i) len = (len << 8) | len_bytes[i];
  if (len > size - 8 || len > (100u << 20))
    throw InputError(file, "header", "declares a " + std::to_string(len) + "-byte header but the file has " +
                                         std::to_string(size) + " bytes (truncated or not safetensors)");
  std::string json(len, '\0');
  in.read(json.data(), static_cast<std::streamsize>(len));
  return parse_safetensors_header(json, size, file);
}

}  // namespace qb
