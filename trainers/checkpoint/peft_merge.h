// Merging a PEFT LoRA adapter (peft_adapter.h) into a loaded model's weights. Inside trainers/
// only (includes torch).
#pragma once

#include <filesystem>

#include "trainers/model/llama_model.h"

namespace qb {

// W += scale * B @ A for every adapted module, computed in float32 and stored back in W's dtype.
// Tensor names are PEFT's: base_model.model.<module>.lora_A.weight [r, in] and .lora_B.weight
// [out, r], <module> the HF key without ".weight" (Baichuan's ...self_attn.W_pack too).
// InputError naming adapter_model.safetensors (or adapter_config.json) and the tensor for: a
// tensor that is not a LoRA A/B of PEFT's layout, a module the base model lacks, a module not in
// target_modules, a targeted module without both A and B, a target matching no module of the base,
// a rank other than r, and an A/B shape that does not fit the base weight (an adapter for another base).
void merge_peft_adapter(LlamaModel& model, const std::filesystem::path& adapter_dir);

}  // namespace qb
