// The pipeline's one JSON config: the embedded demo world by default, a user file merged
// over it (--config), and --set overrides. Every key is documented in docs/PIPELINE.md.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace qb {

// The built-in default: the demo world, a tiny model, stage settings that finish the whole
// pipeline in minutes on 2 cores.
nlohmann::json default_pipeline_config();

// Objects whose keys are checked by their consumer (the trainer's config parser, the model
// config parser), not by the pipeline's merge.
const std::vector<std::string>& pipeline_free_form_paths();

// defaults <- file (when non-empty) <- overrides, validated.
nlohmann::json load_pipeline_config(const std::string& file, const std::vector<std::string>& overrides);

}  // namespace qb
