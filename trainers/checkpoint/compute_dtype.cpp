#include "trainers/checkpoint/compute_dtype.h"

#include <map>

#include "common/error.h"
#include "trainers/checkpoint/checkpoint_layout.h"
#include "trainers/checkpoint/safetensors_header.h"
#include "trainers/model/model_config.h"

namespace qb {

std::string stored_weight_dtype(const std::filesystem::path& dir) {
  const CheckpointLayout layout = find_checkpoint_layout(dir);
  std::map<std::string, int64_t> elements;
  for (const auto& shard : layout.shards)
    for (const auto& [name, e] : read_safetensors_header(shard).tensors) elements[e.dtype] += e.numel();
  std::string best = "F32";
  int64_t most = -1;
  for (const auto& [dtype, n] : elements)
    if (n > most) best = dtype, most = n;
  return canonical_dtype_name(best, dir.string());
}

std::string resolve_compute_dtype(const std::filesystem::path& dir, const std::string& requested) {
  if (requested == "auto") {
    const std::string stored = stored_weight_dtype(dir);
    return stored == "bfloat16" ? stored : "float32";
  }
  const std::string name = canonical_dtype_name(requested, "--dtype");
  if (name == "float16")
    throw InputError("--dtype", "'" + requested + "'",
                     "fp16 compute is not supported on CPU (libtorch 1.13 has no fp16 matmul); use auto, fp32 or bf16");
  return name;
}

}  // namespace qb
