// How `eval` gets the local (libtorch) backend without cmd_eval.cpp linking libtorch: the torch
// binary registers a factory at start (main_torch.cpp); the light binary has none and runs
// `eval` itself only for --backend openai (main.cpp hands every other eval to the torch binary).
#pragma once

#include <memory>
#include <string>

#include "backends/backend.h"

namespace qb::cli {

// The eval flags the local engine takes (EngineOptions, without libtorch in this header).
struct LocalEngineSettings {
  int batch_size = 8;
  std::string dtype = "auto";  // auto | fp32 | bf16 (trainers/checkpoint/compute_dtype.h)
  std::string adapter;         // PEFT LoRA adapter directory merged at load; empty: none
};
struct LocalEngine {
  std::unique_ptr<Backend> backend;
  std::string compute_dtype;  // what "auto" resolved to, for metrics.json
};
using LocalBackendFactory = LocalEngine (*)(const std::string& checkpoint_dir, const LocalEngineSettings& settings);

void set_local_backend_factory(LocalBackendFactory factory);
LocalBackendFactory local_backend_factory();  // nullptr in the light binary

// The torch binary's factory: an Engine over the checkpoint (local_backend.cpp, links libtorch).
LocalEngine make_local_engine(const std::string& checkpoint_dir, const LocalEngineSettings& settings);

}  // namespace qb::cli
