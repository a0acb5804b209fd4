#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/sha256.h"
#include "data/demo_world.h"
#include "data/knowledge_base.h"
#include "tests/testing/testing.h"

namespace qb::demo {
namespace {

// The default-size world, built once for the tests that only read it.
const DemoWorld& default_world() {
  static const DemoWorld w = build_demo_world(1234);
  return w;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1)
    out.push_back(text.substr(start, nl - start));
  if (start < text.size()) out.push_back(text.substr(start));
  return out;
}

// Every string value inside a JSON line, concatenated: the text a model would see.
std::string json_text(const std::string& line) {
  std::string out;
  std::function<void(const nlohmann::json&)> walk = [&](const nlohmann::json& j) {
    if (j.is_string()) out += j.get<std::string>() + "\n";
    for (const auto& c : j) if (j.is_structured()) walk(c);
  };
  walk(nlohmann::json::parse(line));
  return out;
}

TEST(DemoWorld, SameSeedGivesIdenticalBytesAndAnotherSeedDiffers) {
  auto sizes = DemoSizes::small();
  DemoWorld a = build_demo_world(7, sizes), b = build_demo_world(7, sizes), c = build_demo_world(8, sizes);
  ASSERT_EQ(a.file_order, b.file_order);
  for (const auto& name : a.file_order) EXPECT_EQ(a.contents.at(name), b.contents.at(name)) << name;
  EXPECT_EQ(a.manifest, b.manifest);
  for (const char* name : {"dcpt.txt", "sft.jsonl", "dpo.jsonl", "cmexam_test.csv", "huatuo_test.jsonl"})
    EXPECT_NE(a.contents.at(name), c.contents.at(name)) << name;
  // The RAG corpus states every fact and does not depend on the seed.
  EXPECT_EQ(a.contents.at("rag_corpus.txt"), c.contents.at("rag_corpus.txt"));
}

TEST(DemoWorld, WrittenFilesAreByteIdenticalAcrossTwoWrites) {
  testing::TempDir d1, d2;
  auto files = write_demo_world(d1.path(), 99, DemoSizes::small());
  write_demo_world(d2.path() / "nested", 99, DemoSizes::small());
  ASSERT_EQ(files.size(), 9u);
  EXPECT_EQ(files.back().name, "manifest.json");
  DemoWorld w = build_demo_world(99, DemoSizes::small());
  for (const auto& f : files) {
    std::string one = read_file(d1 / f.name);
    EXPECT_EQ(one, read_file(d2.path() / "nested" / f.name)) << f.name;
    EXPECT_EQ(one.size(), f.bytes) << f.name;
    EXPECT_EQ(one, f.name == "manifest.json" ? w.manifest : w.contents.at(f.name)) << f.name;
  }
}

TEST(DemoWorld, NoSftOrDpoItemOrFewShotExampleStatesATestFact) {
  const DemoWorld& w = default_world();
  const auto& kb = embedded_knowledge_base();
  long test_count = 0;
  for (bool t : w.test_fact) test_count += t;
  EXPECT_EQ(test_count, 200);
  // By the fact ids each record was built from.
  for (const char* name : {"sft.jsonl", "dpo.jsonl", "cmexam_train.csv"}) {
    const auto& records = w.record_facts.at(name);
    for (size_t r = 0; r < records.size(); ++r) {
      EXPECT_FALSE(records[r].empty()) << name << " record " << r;
      for (int id : records[r]) EXPECT_FALSE(w.test_fact[id]) << name << " record " << r << " fact " << id;
    }
  }
  for (const char* name : {"cmexam_test.csv", "huatuo_test.jsonl"})
    for (const auto& facts : w.record_facts.at(name))
      for (int id : facts) EXPECT_TRUE(w.test_fact[id]) << name << " fact " << id;
  // By string search: no SFT/DPO text names a test fact's subject and its value (the answer
  // option of its CMExam question) together.
  std::vector<std::pair<std::string, std::string>> test_pairs;
  for (const auto& f : kb.facts)
    if (w.test_fact[f.id]) test_pairs.emplace_back(kb.entities[f.subject].name, f.value);
  for (const char* name : {"sft.jsonl", "dpo.jsonl"}) {
    auto lines = lines_of(w.contents.at(name));
    for (size_t i = 0; i < lines.size(); ++i) {
      std::string text = json_text(lines[i]);
      for (const auto& [s, v] : test_pairs)
        EXPECT_FALSE(text.find(s) != std::string::npos && text.find(v) != std::string::npos)
            << name << " line " << i + 1 << " states test fact " << s << " -> " << v;
    }
  }
}

TEST(DemoWorld, EveryFactIsStatedInSeveralDcptDocumentsAndInTheRagCorpus) {
  const DemoWorld& w = default_world();
  const auto& kb = embedded_knowledge_base();
  auto docs = lines_of(w.contents.at("dcpt.txt"));
  EXPECT_EQ(docs.size(), kb.entities.size() * 3);
  auto passages = lines_of(w.contents.at("rag_corpus.txt"));
  EXPECT_EQ(passages.size(), kb.entities.size());  // one passage per entity
  for (const auto& f : kb.facts) {
    const std::string& s = kb.entities[f.subject].name;
    std::set<std::string> wordings;
    for (const auto& d : docs)
      if (d.find(s) != std::string::npos && d.find(f.value) != std::string::npos) wordings.insert(d);
    EXPECT_GE(wordings.size(), 3u) << s << " -> " << f.value;
    EXPECT_NE(passages[f.subject].find(f.value), std::string::npos) << s << " -> " << f.value;
  }
  // Varied wording: the first disease's treatment fact is phrased differently in each document.
  std::set<std::string> sentences;
  for (const auto& d : docs)
    for (size_t start = 0, end; (end = d.find("。", start)) != std::string::npos; start = end + 3) {
      std::string sentence = d.substr(start, end - start);
      if (sentence.find("青霉素G") != std::string::npos && sentence.find("大叶性肺炎") != std::string::npos)
        sentences.insert(sentence.substr(sentence.rfind("】") == std::string::npos ? 0 : sentence.rfind("】") + 3));
    }
  EXPECT_GE(sentences.size(), 4u);
}

TEST(DemoWorld, DefaultSizesFitTheTenMinutePipelineBudget) {
  const DemoWorld& w = default_world();
  auto count = [&](const std::string& name) { return w.record_facts.at(name).size(); };
  size_t dcpt_bytes = w.contents.at("dcpt.txt").size();
  EXPECT_GE(dcpt_bytes, 100u * 1024);
  EXPECT_LE(dcpt_bytes, 300u * 1024);
  EXPECT_GE(count("sft.jsonl"), 950u);
  EXPECT_LE(count("sft.jsonl"), 1000u);
  EXPECT_EQ(count("dpo.jsonl"), 400u);
  EXPECT_EQ(count("cmexam_train.csv"), 150u);
  EXPECT_EQ(count("huatuo_test.jsonl"), 80u);
  EXPECT_GE(count("cmexam_test.csv"), 200u);
  EXPECT_LE(count("cmexam_test.csv"), 210u);
  auto m = nlohmann::json::parse(w.manifest);
  EXPECT_EQ(m["seed"], 1234);
  EXPECT_EQ(m["generator_version"], kGeneratorVersion);
  EXPECT_EQ(m["knowledge_base"]["test_facts"], 200);
  EXPECT_EQ(m["knowledge_base"]["train_facts"], 1106);
  ASSERT_EQ(m["files"].size(), 8u);
  for (const auto& f : m["files"])
    EXPECT_EQ(f["records"].get<size_t>(), count(f["name"].get<std::string>())) << f["name"];
}

TEST(DemoWorld, SftHoldsDialoguesExamItemsAndRagItemsInTheirFormats) {
  const DemoWorld& w = default_world();
  int exam = 0, exam_colon = 0, rag = 0, other = 0;
  std::regex letters("^[A-E]+$");
  for (const auto& line : lines_of(w.contents.at("sft.jsonl"))) {
    auto j = nlohmann::json::parse(line);
    ASSERT_EQ(j.size(), 1u);
    const auto& conv = j.at("conversations");
    ASSERT_EQ(conv.size(), 2u);
    EXPECT_EQ(conv[0].at("from"), "human");
    EXPECT_EQ(conv[1].at("from"), "gpt");
    std::string human = conv[0].at("value"), gpt = conv[1].at("value");
    bool is_rag = human.rfind("参考资料：\n", 0) == 0;
    if (is_rag) {
      ++rag;
      EXPECT_NE(human.find("\n\n"), std::string::npos);
    }
    if (human.size() >= 10 && human.compare(human.size() - 10, 10, "\n答案：") == 0) {
      EXPECT_TRUE(std::regex_match(gpt, letters)) << gpt;
      EXPECT_NE(human.find("\nA "), std::string::npos);
      EXPECT_NE(human.find("\nE "), std::string::npos);
      exam += !is_rag;
    } else if (gpt.rfind("答案：", 0) == 0) {
      EXPECT_TRUE(std::regex_match(gpt.substr(9), letters)) << gpt;
      ++exam_colon;
    } else if (!is_rag) {
      ++other;
    }
  }
  EXPECT_GE(exam, 200);
  EXPECT_GE(exam_colon, 20);
  EXPECT_GE(rag, 140);
  EXPECT_GE(other, 500);  // patient dialogues and overviews
}

TEST(DemoWorld, DpoChosenStatesTheFactAndRejectedDiffers) {
  const DemoWorld& w = default_world();
  const auto& kb = embedded_knowledge_base();
  auto lines = lines_of(w.contents.at("dpo.jsonl"));
  const auto& facts = w.record_facts.at("dpo.jsonl");
  ASSERT_EQ(lines.size(), facts.size());
  int wrong_fact = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    auto j = nlohmann::json::parse(lines[i]);
    ASSERT_EQ(j.size(), 3u);
    std::string chosen = j.at("response_chosen"), rejected = j.at("response_rejected");
    const Fact& f = kb.facts[facts[i][0]];
    EXPECT_NE(chosen.find(f.value), std::string::npos) << chosen;
    EXPECT_NE(chosen.find(kb.entities[f.subject].name), std::string::npos) << chosen;
    EXPECT_NE(chosen, rejected);
    EXPECT_EQ(rejected.find(f.value), std::string::npos) << rejected;
    wrong_fact += rejected.find(kb.entities[f.subject].name) != std::string::npos;
  }
  EXPECT_GE(wrong_fact, 150);  // about half state a wrong fact about the same subject
}

TEST(DemoWorld, BadSizesAndAFileAsOutputDirectoryAreInputErrors) {
  DemoSizes s;
  s.dpo_pairs = -1;
  try {
    build_demo_world(1, s);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "demo world sizes: dpo_pairs: must be >= 0, got -1");
  }
  testing::TempDir d;
  auto file = testing::write_fixture(d / "not_a_dir", "x");
  try {
    write_demo_world(file, 1, DemoSizes::small());
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), file.string() + ": exists and is not a directory (the demo world needs a directory)");
  }
}

}  // namespace
}  // namespace qb::demo

namespace qb::demo {
namespace {

// Pins the default world's bytes. If this fails after an intended change, bump
// kGeneratorVersion (the pipeline's cache key) and paste the new digest here. The digest was
// cross-checked with Python hashlib over the files `qilin-bench data demo` wrote.
TEST(DemoWorld, GoldenDigestPinsTheGeneratorVersion) {
  const DemoWorld& w = default_world();
  std::string all;
  for (const auto& name : w.file_order) all += name + "\n" + w.contents.at(name);
  all += w.manifest;
  EXPECT_EQ(kGeneratorVersion, 4);
  EXPECT_EQ(sha256_hex(all), "c0b0b43b8d8a6f1512173ccd3a244b1304b0df603ef9512ac986bfafb6faf31e") << "the demo world's output changed: bump kGeneratorVersion";
}

}  // namespace
}  // namespace qb::demo
