// Which dtype inference computes in (`--dtype auto|fp32|bf16`), decided from the checkpoint's
// safetensors headers only. No torch here: the CLI resolves it before loading and reports it.
#pragma once

#include <filesystem>
#include <string>

namespace qb {

// "float32" or "bfloat16". `requested` is "auto" or a dtype spelling (fp32, bf16, float32, ...).
// auto = the dtype most of the checkpoint's weights are stored in (by element count), except that
// fp16 storage computes in float32: libtorch 1.13 has no fp16 matmul on CPU, and fp16 -> bf16 would
// drop 3 mantissa bits. An explicit fp16 is an InputError (file "--dtype").
std::string resolve_compute_dtype(const std::filesystem::path& checkpoint_dir, const std::string& requested);

// The dtype most weights in DIR are stored in: "float32", "float16" or "bfloat16".
std::string stored_weight_dtype(const std::filesystem::path& checkpoint_dir);

}  // namespace qb
