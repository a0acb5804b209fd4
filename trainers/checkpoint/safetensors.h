// Reading safetensors through a read-only memory map, and writing them atomically.
// For use inside trainers/ only (includes torch).
#pragma once

#include <torch/torch.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "trainers/checkpoint/huge_pages.h"
#include "trainers/checkpoint/safetensors_header.h"

namespace qb {

class MappedSafetensors : public std::enable_shared_from_this<MappedSafetensors> {
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

  // The tensor in its stored dtype, pointing into the mapping (no copy), for inference. The
  // tensor keeps the mapping alive (so the object must be owned by a shared_ptr). The map is
  // private and writable: an in-place change (a merged LoRA adapter) copies only the pages it
  // touches and never reaches the file. A tensor whose bytes are not aligned to its element
  // size is copied instead (safetensors does not promise alignment).
  torch::Tensor view(const std::string& name) const;

  // Maps the whole file now, in 2 MB pages where the kernel can (huge_pages.h): for inference,
  // which reads every weight on every pass. Call before any view is written into.
  MappingResidency back_with_huge_pages();

 private:
  std::filesystem::path path_;
  SafetensorsHeader header_;
  void* map_ = nullptr;
  size_t map_size_ = 0;
};

// "[4096, 11008]": how error messages write a tensor's shape.
std::string shape_text(torch::IntArrayRef shape);

// torch dtype <-> safetensors dtype strings ("F32", "F16", "BF16").
torch::Dtype torch_dtype_of(const std::string& safetensors_dtype);
std::string safetensors_dtype_of(torch::Dtype dtype);
// "float32" | "float16" | "bfloat16" -> torch dtype.
torch::Dtype torch_dtype_named(const std::string& canonical_name);

// Writes one safetensors file tensor by tensor: the header (every name and shape, one dtype)
// first, then each tensor's bytes as the caller produces it, so a 7B checkpoint is written with
// one tensor in memory at a time. Atomic: nothing appears at `path` before commit().
class SafetensorsStreamWriter {
 public:
  using Entry = std::pair<std::string, std::vector<int64_t>>;  // name, shape
  SafetensorsStreamWriter(const std::filesystem::path& path, std::vector<Entry> entries, torch::Dtype dtype,
                          const std::map<std::string, std::string>& metadata = {});
  ~SafetensorsStreamWriter();
  // The next entry's data (converted to the file's dtype); its shape must be the entry's.
  void write_next(const torch::Tensor& t);
  // All entries written: publish the file.
  void commit();

 private:
  std::vector<Entry> entries_;
  torch::Dtype dtype_;
  size_t next_ = 0;
  std::unique_ptr<class AtomicFileWriter> out_;
};

// Writes tensors (in the given order, each converted to `dtype`) as one safetensors
// file, atomically. The header is padded with spaces to a multiple of 8 bytes, as
// the reference implementation does, so every tensor starts 8-byte aligned.
void write_safetensors(const std::filesystem::path& path,
                       const std::vector<std::pair<std::string, torch::Tensor>>& tensors, torch::Dtype dtype,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace qb
