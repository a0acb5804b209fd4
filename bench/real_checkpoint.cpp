// One real-sized checkpoint through the Engine (scripts/bench_real.sh; docs/BENCHMARKS.md,
// "7B-shaped bf16 checkpoint"): load time, prefill of T tokens, greedy decode of N tokens with
// the KV cache. Wall-clock seconds (one run each: a 7B forward is seconds long, and repeating it
// on a shared 2-core machine would mostly measure the neighbours). Prints one JSON object.
// Usage: bench_real_checkpoint DIR DTYPE PREFILL_TOKENS DECODE_TOKENS THREADS
#include <malloc.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>

#include "trainers/compute_threads.h"
#include "trainers/engine/engine.h"

namespace {
// Of the process's resident memory, the share that is file pages mapped 2 MB at a time
// (/proc/self/smaps_rollup: a heading line, then "Key: N kB" lines).
double huge_page_share() {
  std::ifstream f("/proc/self/smaps_rollup");
  std::string key;
  std::getline(f, key);
  double rss = 0, pmd = 0, kb = 0;
  while (f >> key >> kb) {
    if (key == "Rss:") rss = kb;
    if (key == "FilePmdMapped:") pmd = kb;
    f.ignore(1 << 20, '\n');
  }
  return rss > 0 ? pmd / rss : 0.0;
}

double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::cerr << "usage: bench_real_checkpoint DIR DTYPE PREFILL_TOKENS DECODE_TOKENS THREADS\n";
    return 2;
  }
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // TOOLCHAIN.md: fewer page faults
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  qb::set_compute_threads(std::atoi(argv[5]));
  const int prefill = std::atoi(argv[3]), decode = std::atoi(argv[4]);
  qb::EngineOptions o;
  o.dtype = argv[2];
  o.batch_size = 1;
  auto t0 = std::chrono::steady_clock::now();
  qb::Engine engine(argv[1], o);
  const double load_s = since(t0);
  const double huge_share = huge_page_share();

  // First forward: the pages of the memory map are faulted in here (from the page cache, or the disk).
  t0 = std::chrono::steady_clock::now();
  engine.last_position_logits({{1}});
  const double first_token_s = since(t0);

  // The same single-token forward again, pages now resident: the cost of one weight pass.
  t0 = std::chrono::steady_clock::now();
  engine.last_position_logits({{1}});
  const double one_token_s = since(t0);

  std::mt19937_64 rng(1);
  std::vector<int64_t> ids(static_cast<size_t>(prefill));
  for (auto& id : ids) id = static_cast<int64_t>(rng() % static_cast<uint64_t>(engine.config().vocab_size));
  t0 = std::chrono::steady_clock::now();
  engine.last_position_logits({ids});
  const double prefill_s = since(t0);

  // Decode: a one-character prompt (BOS + 1 token of prefill), then `decode` greedy steps.
  qb::GenerateRequest req;
  req.id = "decode";
  req.prompt = "a";
  req.max_new_tokens = decode;
  const int64_t before = engine.stats().tokens_generated;
  t0 = std::chrono::steady_clock::now();
  engine.generate({req});
  const double generate_s = since(t0);
  const int64_t generated = engine.stats().tokens_generated - before;

  nlohmann::json j{{"dtype", engine.compute_dtype()}, {"threads", std::atoi(argv[5])}, {"load_s", load_s}, {"huge_page_share", huge_share},
                   {"first_token_s", first_token_s}, {"one_token_s", one_token_s}, {"prefill_tokens", prefill}, {"prefill_s", prefill_s},
                   {"prefill_tokens_per_s", prefill / prefill_s}, {"generated_tokens", generated},
                   {"generate_s", generate_s},
                   // generate = a 2-token prefill + (generated - 1) decode steps; the first step's
                   // logits come from the prefill, so per decode step:
                   {"decode_tokens_per_s", generated > 1 ? (generated - 1) / generate_s : 0.0}};
  std::cout << j.dump() << std::endl;
  return 0;
}
