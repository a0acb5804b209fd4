// CMExam CSV, both layouts the reader accepts (the released CSV and the annotated one): strict
// reading must either return questions or throw InputError; lenient reading must never throw
// for a record-level problem, and it counts every record as read or skipped.
#include <cstdlib>

#include "fuzz/fuzz_input.h"
#include "suites/cmexam_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = qb::fuzz::write_scratch({reinterpret_cast<const char*>(data), size}, "cmexam.csv");
  qb::fuzz::expect_clean([&] { qb::read_cmexam(path); });
  qb::fuzz::expect_clean([&] {
    qb::ReadOptions lenient;
    lenient.lenient = true;
    auto d = qb::read_cmexam(path, lenient);
    if (d.report.records_read != static_cast<long>(d.records.size())) std::abort();
  });
  return 0;
}
