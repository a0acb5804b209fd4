// How `eval` gets the local (libtorch) backend without cmd_eval.cpp linking libtorch: the torch
// binary registers a factory at start (main_torch.cpp); the light binary has none and runs
// `eval` itself only for --backend openai (main.cpp hands every other eval to the torch binary).
#pragma once

#include <memory>
#include <string>

#include "backends/backend.h"

namespace qb::cli {

using LocalBackendFactory = std::unique_ptr<Backend> (*)(const std::string& checkpoint_dir, int batch_size);

void set_local_backend_factory(LocalBackendFactory factory);
LocalBackendFactory local_backend_factory();  // nullptr in the light binary

// The torch binary's factory: an Engine over the checkpoint (local_backend.cpp, links libtorch).
std::unique_ptr<Backend> make_local_engine(const std::string& checkpoint_dir, int batch_size);

}  // namespace qb::cli
