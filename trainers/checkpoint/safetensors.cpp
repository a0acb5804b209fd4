#include "trainers/checkpoint/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/error.h"

namespace qb {

std::string shape_text(torch::IntArrayRef s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

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
  // PROT_WRITE with MAP_PRIVATE: writes are copy-on-write and never reach the file (see view()).
  map_ = ::mmap(nullptr, map_size_, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
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

MappingResidency MappedSafetensors::back_with_huge_pages() { return qb::back_with_huge_pages(map_, map_size_, path_); }

torch::Tensor MappedSafetensors::view(const std::string& name) const {
  auto it = header_.tensors.find(name);
  if (it == header_.tensors.end()) throw InputError(path_.string(), "tensor '" + name + "'", "missing");
  const auto& e = it->second;
  const torch::Dtype dt = torch_dtype_of(e.dtype);
  auto* data = static_cast<char*>(map_) + header_.data_offset + e.begin;
  const auto opts = torch::TensorOptions().dtype(dt);
  if (reinterpret_cast<uintptr_t>(data) % static_cast<uintptr_t>(dtype_size(e.dtype)) != 0)
    return torch::from_blob(data, e.shape, opts).clone();
  std::shared_ptr<const MappedSafetensors> keep = shared_from_this();
  return torch::from_blob(data, e.shape, [keep](void*) {}, opts);
}

SafetensorsStreamWriter::SafetensorsStreamWriter(const std::filesystem::path& path, std::vector<Entry> entries,
                                                 torch::Dtype dtype, const std::map<std::string, std::string>& metadata)
    : entries_(std::move(entries)), dtype_(dtype) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  const uint64_t elem = static_cast<uint64_t>(c10::elementSize(dtype));
  uint64_t offset = 0;
  for (const auto& [name, shape] : entries_) {
    uint64_t n = 1;
    for (int64_t d : shape) n *= static_cast<uint64_t>(d);
    header[name] = {{"dtype", safetensors_dtype_of(dtype)}, {"shape", shape}, {"data_offsets", {offset, offset + n * elem}}};
    offset += n * elem;
  }
  std::string json = header.dump();
  json.append((8 - json.size() % 8) % 8, ' ');  // every tensor starts 8-byte aligned
  char len[8];
  const uint64_t n = json.size();
  for (int i = 0; i < 8; ++i) len[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  out_ = std::make_unique<AtomicFileWriter>(path);
  out_->write(std::string_view(len, 8));
  out_->write(json);
}

SafetensorsStreamWriter::~SafetensorsStreamWriter() = default;

void SafetensorsStreamWriter::write_next(const torch::Tensor& t) {
  if (next_ >= entries_.size()) throw std::logic_error("SafetensorsStreamWriter: more tensors than entries");
  const auto& [name, shape] = entries_[next_++];
  if (t.sizes() != torch::IntArrayRef(shape)) throw std::logic_error("SafetensorsStreamWriter: wrong shape for " + name);
  auto c = t.detach().to(torch::kCPU).to(dtype_).contiguous();
  out_->write(std::string_view(static_cast<const char*>(c.data_ptr()), c.numel() * c.element_size()));
}

void SafetensorsStreamWriter::commit() {
  if (next_ != entries_.size()) throw std::logic_error("SafetensorsStreamWriter: committed before every tensor");
  out_->commit();
}

void write_safetensors(const std::filesystem::path& path,
                       const std::vector<std::pair<std::string, torch::Tensor>>& tensors, torch::Dtype dtype,
                       const std::map<std::string, std::string>& metadata) {
  std::vector<SafetensorsStreamWriter::Entry> entries;
  for (const auto& [name, t] : tensors) entries.emplace_back(name, t.sizes().vec());
  SafetensorsStreamWriter w(path, std::move(entries), dtype, metadata);
  for (const auto& [name, t] : tensors) w.write_next(t);
  w.commit();
}

}  // namespace qb
