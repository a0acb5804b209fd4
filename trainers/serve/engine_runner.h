// The libtorch side of `qilin-bench serve`: a serve::ModelRunner over a checkpoint directory.
// Generation goes through the local Engine (the same greedy decoder `eval` uses); per-token
// prompt log-probabilities, which the Engine's loglik API does not expose, come from one forward
// pass of the checkpoint's model over each whole sequence. No torch in this header.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "serve/model_runner.h"

namespace qb {

// Loads DIR twice (the Engine and a scoring model share nothing): fine for the checkpoints this
// harness serves on CPU, twice the memory for a 7B one. batch_size = rows per forward pass.
struct EngineRunnerSettings {
  int batch_size = 8;
  std::string dtype = "auto";  // auto | fp32 | bf16, as eval --dtype
  std::string adapter;         // PEFT LoRA adapter directory merged at load; empty: none
};
std::unique_ptr<serve::ModelRunner> make_engine_runner(const std::filesystem::path& dir, const EngineRunnerSettings& settings);

}  // namespace qb
