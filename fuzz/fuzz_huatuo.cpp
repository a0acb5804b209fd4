// Huatuo-26M question/answer files: JSONL (one object per line) or one JSON list (the reader
// decides from the first non-blank byte). Strict: records or InputError; lenient: every record
// read or skipped, nothing thrown for a record-level problem.
#include <cstdlib>

#include "fuzz/fuzz_input.h"
#include "suites/huatuo_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = qb::fuzz::write_scratch({reinterpret_cast<const char*>(data), size}, "huatuo.jsonl");
  qb::fuzz::expect_clean([&] { qb::read_huatuo(path); });
  qb::fuzz::expect_clean([&] {
    qb::ReadOptions lenient;
    lenient.lenient = true;
    auto d = qb::read_huatuo(path, lenient);
    if (d.report.records_read != static_cast<long>(d.records.size())) std::abort();
  });
  return 0;
}
