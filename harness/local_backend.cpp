#include "harness/local_backend.h"

#include "trainers/engine/engine.h"

namespace qb::cli {

std::unique_ptr<Backend> make_local_engine(const std::string& checkpoint_dir, int batch_size) {
  EngineOptions eo;
  eo.batch_size = batch_size;
  return std::make_unique<Engine>(checkpoint_dir, eo);
}

}  // namespace qb::cli
