// Other tools' prediction files for `score --from FORMAT` (LLaMA-Factory, lm-eval, OpenCompass,
// EvalScope, CMExam CSV, and format detection): the first input byte picks the format (or
// detection), the rest is the file.
#include "fuzz/fuzz_input.h"
#include "suites/prediction_formats.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const auto& names = qb::prediction_format_names();
  const size_t pick = data[0] % (names.size() + 1);
  qb::ForeignReadOptions options;
  if (pick < names.size()) options.format = names[pick];
  if (options.format == "fields") options.fields.prediction = "predict";
  const std::string ext = (data[0] / 16) % 2 ? "json" : (options.format == "cmexam-csv" ? "csv" : "jsonl");
  const auto path = qb::fuzz::write_scratch({reinterpret_cast<const char*>(data) + 1, size - 1}, "predictions." + ext);
  qb::fuzz::expect_clean([&] { qb::read_foreign_predictions(path, options); });
  return 0;
}
