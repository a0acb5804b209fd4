// `qilin-bench score --from FORMAT`: which layouts of other tools' prediction files are
// known, how one is recognised from its content, and the one entry point that reads any of
// them into ForeignPredictions (suites/foreign_predictions.h). Layouts: docs/FORMATS.md.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "suites/foreign_predictions.h"

namespace qb {

// "llamafactory", "lm-eval", "opencompass", "evalscope", "cmexam-csv", "fields".
const std::vector<std::string>& prediction_format_names();

// What a file's content looks like. `candidates` are the foreign formats it matches (one:
// unambiguous; several: ambiguous); `native` is true when it also (or only) looks like
// qilin-bench's own prediction JSONL ({prediction, reference} or {id, output|choice|logprobs});
// `evidence` names what was looked at ("line 1 keys: label, predict, prompt").
struct PredictionFormatGuess {
  std::vector<std::string> candidates;
  bool native = false;
  std::string evidence;
};
PredictionFormatGuess guess_prediction_format(const std::filesystem::path& path);

// Reads `path` in options.format; with an empty format, the format the content matches. Throws
// InputError naming the file (and line/key/row) for malformed input, an unknown layout (naming
// the keys it found) and an ambiguous one (naming every candidate). For OpenCompass, `path` may
// name `<dataset>.json` or its first split part `<dataset>_0.json`; the parts are read in order.
ForeignPredictions read_foreign_predictions(const std::filesystem::path& path, const ForeignReadOptions& options);

}  // namespace qb
