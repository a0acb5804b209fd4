#include "trainers/checkpoint/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/error.h"

namespace qb {

torch::Dtype torch_dtype_of(const std::string& d) {
  if (d == "F32") return torch::kFloat32;
  if (d == "F16") return torch::kFloat16;
  if (d == "BF16") return torch::kBFloat16;
  throw std::invalid_argument("unsupported safetensors dtype " + d);
}

std::string safetensors_dtype_of(torch::Dtype dtype) {
  switch (dtype) {
    case torch::kFloat32: return "F32";
    case torch::kFloat16: return "F16";
    case torch::kBFloat16: return "BF16";
    default: throw std::invalid_argument("dtype not supported in checkpoints");
  }
}

torch::Dtype torch_dtype_named(const std::string& name) {
  if (name == "float32") return torch::kFloat32;
  if (name == "float16") return torch::kFloat16;
  if (name == "bfloat16") return torch::kBFloat16;
  throw std::invalid_argument("unknown dtype name " + name);
}

MappedSafetensors::MappedSafetensors(const std::filesystem::path& path)
    : path_(path), header_(read_safetensors_header(path)) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw InputError(path.string(), "open", std::strerror(errno));
  map_size_ = header_.file_size;
  map_ = ::mmap(nullptr, map_size_, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (map_ == MAP_FAILED) {
    map_ = nullptr;
    throw InputError(path.string(), "mmap", std::strerror(errno));
  }
}

MappedSafetensors::~MappedSafetensors() {
  if (map_) ::munmap(map_, map_size_);
}

torch::Tensor MappedSafetensors::load(const std::string& name, torch::Dtype dtype) const {
  auto it = header_.tensors.find(name);
  if (it == header_.tensors.end()) throw InputError(path_.string(), "tensor '" + name + "'", "missing");
  const auto& e = it->second;
  auto* data = static_cast<char*>(map_) + header_.data_offset + e.begin;
  auto view = torch::from_blob(data, e.shape, torch::TensorOptions().dtype(torch_dtype_of(e.dtype)));
  // .to() copies when converting; clone() when it does not, so nothing points into the map.
  auto out = view.to(dtype);
  return out.data_ptr() == view.data_ptr() ? out.clone() : out;
}

void write_safetensors(const std::filesystem::path& path,
                       const std::vector<std::pair<std::string, torch::Tensor>>& tensors, torch::Dtype dtype,
                       const std::map<std::string, std::string>& metadata) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::vector<torch::Tensor> converted;
  converted.reserve(tensors.size());
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    auto c = t.detach().to(torch::kCPU).to(dtype).contiguous();
    const uint64_t bytes = static_cast<uint64_t>(c.numel()) * c.element_size();
    header[name] = {{"dtype", safetensors_dtype_of(dtype)}, {"shape", c.sizes().vec()}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
    converted.push_back(std::move(c));
  }
  std::string json = header.dump();
  json.append((8 - json.size() % 8) % 8, ' ');
  char len[8];
  uint64_t n = json.size();
  for (int i = 0; i < 8; ++i) len[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  AtomicFileWriter w(path);
  w.write(std::string_view(len, 8));
  w.write(json);
  for (const auto& c : converted)
    w.write(std::string_view(static_cast<const char*>(c.data_ptr()), c.numel() * c.element_size()));
  w.commit();
}

}  // namespace qb
