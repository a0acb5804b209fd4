// The embedded demo world (SPEC §7): a seeded generator that derives every stage's data
// from the knowledge base. A held-out set of "test facts" is stated in the DCPT text and the
// RAG corpus but in no SFT or DPO item; the CMExam and Huatuo test files ask only about
// them. So DCPT must inject the knowledge, SFT teaches the answer format, DPO the preferred
// style, and RAG can look the facts up (docs/DEMO_WORLD.md).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace qb::demo {

inline constexpr int kGeneratorVersion = 1;

// How much of each file to generate. The defaults fit the whole demo pipeline in minutes
// on 2 CPU cores; tests use small().
struct DemoSizes {
  int test_facts = 200;            // held-out facts; CMExam test asks each once
  int multi_answer_percent = 3;    // extra multi-answer questions, % of single-answer ones
  int dcpt_docs_per_entity = 3;    // each fact is stated once per document, wording varies
  int sft_dialogues = 450;         // patient question -> doctor answer (one training fact)
  int sft_overviews = 100;         // "请介绍一下X" -> every training fact of X
  int sft_exam = 300;              // CMExam-style prompt -> answer letters
  int sft_rag = 150;               // "参考资料：…" + a prompt -> answer
  int dpo_pairs = 400;
  int cmexam_train = 150;          // few-shot pool
  int huatuo_test = 80;

  static DemoSizes small();        // a world a test writes in milliseconds
};

// One written file and what it is for.
struct DemoFile {
  std::string name;     // e.g. "sft.jsonl"
  std::string format;   // the reader's format name: dcpt, sft, dpo, cmexam, huatuo, rag
  std::string stage;    // dcpt, sft, dpo, eval-train, eval-test, rag, meta
  long records = 0;
  size_t bytes = 0;
};

// The whole world in memory: file contents plus, for every record, the ids of the
// knowledge-base facts it states (what the disjointness tests check).
struct DemoWorld {
  uint64_t seed = 0;
  DemoSizes sizes;
  std::vector<bool> test_fact;                              // by fact id
  std::vector<std::string> file_order;                      // names in writing order
  std::map<std::string, std::string> contents;              // name -> exact bytes
  std::map<std::string, std::vector<std::vector<int>>> record_facts;  // name -> per record
  std::vector<DemoFile> files;                              // listing, manifest.json last
  std::string manifest;                                     // manifest.json text
};

DemoWorld build_demo_world(uint64_t seed, const DemoSizes& sizes = {});

// Builds the world and writes every file atomically into `out_dir` (created if needed;
// manifest.json is written last). Returns the listing. Throws qb::InputError when
// `out_dir` exists and is not a directory, or a size is negative.
std::vector<DemoFile> write_demo_world(const std::filesystem::path& out_dir, uint64_t seed,
                                       const DemoSizes& sizes = {});

}  // namespace qb::demo
