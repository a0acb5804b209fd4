// The training-data readers (DCPT text or JSONL, SFT dialogues, DPO pairs, RAG passages): the
// first input byte picks the reader, the rest is the file. Strict and lenient reading as for
// the evaluation sets: InputError or records, never anything else.
#include <cstdlib>
#include <string_view>

#include "fuzz/fuzz_input.h"
#include "suites/dcpt_reader.h"
#include "suites/dpo_reader.h"
#include "suites/rag_reader.h"
#include "suites/sft_reader.h"

namespace {

template <class Read>
void both_modes(const std::filesystem::path& path, Read read) {
  qb::fuzz::expect_clean([&] { read(path, qb::ReadOptions{}); });
  qb::fuzz::expect_clean([&] {
    qb::ReadOptions lenient;
    lenient.lenient = true;
    auto d = read(path, lenient);
    if (d.report.records_read != static_cast<long>(d.records.size())) std::abort();
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 6) {
    case 0:
    case 1: {  // DCPT: automatic split, then each explicit split
      const auto path = qb::fuzz::write_scratch(body, "dcpt.txt");
      const qb::DcptSplit split = data[0] % 2 ? qb::DcptSplit::kParagraphs : qb::DcptSplit::kAuto;
      both_modes(path, [&](const std::filesystem::path& p, const qb::ReadOptions& r) {
        qb::DcptOptions o;
        o.read = r;
        o.split = (data[0] / 6) % 2 ? qb::DcptSplit::kLines : split;
        return qb::read_dcpt(p, o);
      });
      break;
    }
    case 2:
    case 3:
      both_modes(qb::fuzz::write_scratch(body, "sft.jsonl"),
                 [](const std::filesystem::path& p, const qb::ReadOptions& r) { return qb::read_sft(p, r); });
      break;
    case 4:
      both_modes(qb::fuzz::write_scratch(body, "dpo.jsonl"),
                 [](const std::filesystem::path& p, const qb::ReadOptions& r) { return qb::read_dpo(p, r); });
      break;
    case 5:
      both_modes(qb::fuzz::write_scratch(body, "rag.jsonl"),
                 [](const std::filesystem::path& p, const qb::ReadOptions& r) { return qb::read_rag(p, r); });
      break;
  }
  return 0;
}
