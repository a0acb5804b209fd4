// results.json as `report` and `gate` read it (possibly written by another version or edited by
// hand): parse, validate, convert to structs, and write back. What the validator accepts must
// convert without any other exception, and convert back to JSON that validates again.
#include <cstdlib>

#include "fuzz/fuzz_input.h"
#include "reports/results.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = qb::fuzz::write_scratch({reinterpret_cast<const char*>(data), size}, "results.json");
  qb::fuzz::expect_clean([&] {
    const qb::reports::Results r = qb::reports::load_results(path);
    const nlohmann::json again = qb::reports::results_to_json(r);
    try {
      qb::reports::validate_results_json(again, "round-trip");
    } catch (const qb::InputError& e) {
      std::fprintf(stderr, "accepted results do not round-trip: %s\n", e.what());
      std::abort();
    }
  });
  return 0;
}
