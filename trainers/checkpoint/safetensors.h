// Reading safetensors through a read-only memory map, and writing them atomically.
// For use inside trainers/ only (includes torch).
#pragma once

#include <torch/torch.h>

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "trainers/checkpoint/safetensors_header.h"

namespace qb {

class MappedSafetensors {
 public:
  // Maps the file read-only and validates its header (see parse_safetensors_header).
  explicit MappedSafetensors(const std::filesystem::path& path);
  ~MappedSafetensors();
  MappedSafetensors(const MappedSafetensors&) = delete;
  MappedSafetensors& operator=(const MappedSafetensors&) = delete;

  const SafetensorsHeader& header() const { return header_; }
  const std::filesystem::path& path() const { return path_; }
  bool contains(const std::string& name) const { return header_.tensors.count(name) != 0; }

  // A tensor copied out of the mapping and converted to `dtype`.
  // Throws InputError naming the file and tensor when it is absent.
  torch::Tensor load(const std::string& name, torch::Dtype dtype = torch::kFloat32) const;

 private:
  std::filesystem::path path_;
  SafetensorsHeader header_;
  void* map_ = nullptr;
  size_t map_size_ = 0;
};

// torch dtype <-> safetensors dtype strings ("F32", "F16", "BF16").
torch::Dtype torch_dtype_of(const std::string& safetensors_dtype);
std::string safetensors_dtype_of(torch::Dtype dtype);
// "float32" | "float16" | "bfloat16" -> torch dtype.
torch::Dtype torch_dtype_named(const std::string& canonical_name);

// Writes tensors (in the given order, each converted to `dtype`) as one safetensors
// file, atomically. The header is padded with spaces to a multiple of 8 bytes, as
// the reference implementation does, so every tensor starts 8-byte aligned.
void write_safetensors(const std::filesystem::path& path,
                       const std::vector<std::pair<std::string, torch::Tensor>>& tensors, torch::Dtype dtype,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace qb
