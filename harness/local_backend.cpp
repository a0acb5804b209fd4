#include "harness/local_backend.h"

#include "trainers/engine/engine.h"

namespace qb::cli {

LocalEngine make_local_engine(const std::string& checkpoint_dir, const LocalEngineSettings& settings) {
  EngineOptions eo;
  eo.batch_size = settings.batch_size;
  eo.dtype = settings.dtype;
  eo.adapter = settings.adapter;
  auto engine = std::make_unique<Engine>(checkpoint_dir, eo);
  LocalEngine out;
  out.compute_dtype = engine->compute_dtype();
  out.backend = std::move(engine);
  return out;
}

}  // namespace qb::cli
