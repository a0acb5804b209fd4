#include "data/demo_world.h"

#include <algorithm>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "common/atomic_file.h"
#include "common/error.h"
#include "data/exam_questions.h"
#include "data/knowledge_base.h"
#include "data/phrasing.h"
#include "common/splitmix64.h"

namespace qb::demo {
namespace {

// One random stream per purpose: changing how one file is drawn leaves the others alone.
enum Purpose : uint64_t {
  kSplit = 1, kDcpt, kSftDialogue, kSftOverview, kSftExam, kSftRag, kSftMix, kDpo,
  kCmexamTrain, kCmexamTest, kHuatuo,
};

constexpr char kCmexamHeader[] =
    "Question,Options,Answer,Explanation,Disease Group,Area of Competency,Clinical Department,"
    "Medical Discipline,Difficulty level\n";
constexpr char kRagTemplatePrefix[] = "参考资料：\n";

std::string csv_cell(const std::string& s, bool force_quotes) {
  if (!force_quotes && s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string csv_row(const ExamQuestion& q) {
  return csv_cell(q.question, false) + "," + csv_cell(q.options_cell(), true) + "," + q.answer + "," +
         csv_cell(q.explanation, false) + "," + csv_cell(q.disease_group, false) + "," +
         csv_cell(q.area, false) + "," + csv_cell(q.department, false) + "," +
         csv_cell(q.discipline, false) + "," + q.difficulty + "\n";
}

std::string sharegpt(const std::string& human, const std::string& gpt) {
  nlohmann::json j = {{"conversations",
                       {{{"from", "human"}, {"value", human}}, {{"from", "gpt"}, {"value", gpt}}}}};
  return j.dump() + "\n";
}

class Generator {
 public:
  Generator(const KnowledgeBase& kb, uint64_t seed, const DemoSizes& sizes)
      : kb_(kb), seed_(seed), sizes_(sizes), questions_(kb) {}

  DemoWorld run() {
    split();
    DemoWorld w;
    w.seed = seed_;
    w.sizes = sizes_;
    w.test_fact = test_;
    out_ = &w;
    dcpt();
    sft();
    dpo();
    cmexam_train();
    cmexam_test();
    huatuo_test();
    rag_corpus();
    facts_table();
    manifest();
    return w;
  }

 private:
  // ---- the split -------------------------------------------------------------------
  void split() {
    std::vector<int> ids(kb_.facts.size());
    for (size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<int>(i);
    auto rng = SplitMix64::stream(seed_, kSplit);
    rng.shuffle(ids);
    size_t n_test = std::min<size_t>(static_cast<size_t>(sizes_.test_facts), ids.size() / 2);
    test_.assign(kb_.facts.size(), false);
    for (size_t i = 0; i < n_test; ++i) test_[ids[i]] = true;
    for (const auto& f : kb_.facts) {
      (test_[f.id] ? test_ids_ : train_ids_).push_back(f.id);
      if (test_[f.id]) test_pairs_.emplace_back(kb_.entities[f.subject].name, f.value);
    }
  }

  bool is_train(int fact) const { return !test_[fact]; }

  // True when `text` names a test fact's subject and its value together: such a text
  // could teach a held-out fact, so no SFT/DPO item or few-shot example may be one.
  bool mentions_test_fact(const std::string& text) const {
    for (const auto& [s, v] : test_pairs_)
      if (text.find(s) != std::string::npos && text.find(v) != std::string::npos) return true;
    return false;
  }

  // ---- sentences and passages ---------------------------------------------------------
  std::string statement(const Fact& f, size_t pattern) const {
    const auto& p = statement_patterns(f.attribute);
    return fill_pattern(p[pattern % p.size()], kb_.entities[f.subject].name, f.value);
  }
  // The fact stated from its object's side ("青霉素G是大叶性肺炎的首选药物。").
  std::string reverse_statement(const Fact& f, size_t pattern) const {
    const auto& p = reverse_statement_patterns(f.attribute);
    return fill_pattern(p[pattern % p.size()], kb_.entities[f.object].name, kb_.entities[f.subject].name);
  }

  // One knowledge card per entity: "名称：属性为值；…。" with the facts `keep` accepts.
  // Returns the text and the facts it states (empty text when none is kept).
  std::pair<std::string, std::vector<int>> passage(int entity, const std::function<bool(int)>& keep) const {
    std::vector<std::string> parts;
    std::vector<int> stated;
    for (int id : kb_.subject_facts[entity]) {
      if (!keep(id)) continue;
      parts.push_back(std::string(attribute_label(kb_.facts[id].attribute)) + "为" + kb_.facts[id].value);
      stated.push_back(id);
    }
    std::vector<std::string> uses;
    Attribute use_kind = Attribute::kTreatment;
    for (int id : kb_.object_facts[entity]) {
      if (!keep(id)) continue;
      uses.push_back(kb_.entities[kb_.facts[id].subject].name);
      use_kind = kb_.facts[id].attribute;
      stated.push_back(id);
    }
    if (!uses.empty()) {
      std::string joined;
      for (size_t i = 0; i < uses.size(); ++i) joined += (i ? "、" : "") + uses[i];
      parts.push_back((use_kind == Attribute::kExam ? "用于确诊" : "首选用于治疗") + joined);
    }
    if (parts.empty()) return {};
    std::string text = kb_.entities[entity].name + "：";
    for (size_t i = 0; i < parts.size(); ++i) text += (i ? "；" : "") + parts[i];
    return {text + "。", stated};
  }

  void add_record(const std::string& file, const std::string& line, std::vector<int> facts) {
    out_->contents[file] += line;
    std::sort(facts.begin(), facts.end());
    facts.erase(std::unique(facts.begin(), facts.end()), facts.end());
    out_->record_facts[file].push_back(std::move(facts));
  }

  void begin_file(const std::string& name, const std::string& format, const std::string& stage,
                  const std::string& header = "") {
    out_->file_order.push_back(name);
    out_->contents[name] = header;
    out_->record_facts[name];
    formats_[name] = {format, stage};
  }

  // ---- DCPT -------------------------------------------------------------------------
  // Every entity gets dcpt_docs_per_entity documents; each states all its facts (and
  // the facts naming it as drug or examination) with a different pattern per document.
  void dcpt() {
    begin_file("dcpt.txt", "dcpt", "dcpt");
    auto rng = SplitMix64::stream(seed_, kDcpt);
    std::vector<size_t> offset(kb_.facts.size()), reverse_offset(kb_.facts.size());
    for (auto& o : offset) o = rng.below(8);
    for (auto& o : reverse_offset) o = rng.below(8);
    struct Doc {
      std::string text;
      std::vector<int> facts;
    };
    std::vector<Doc> docs;
    for (const auto& e : kb_.entities) {
      for (int k = 0; k < sizes_.dcpt_docs_per_entity; ++k) {
        std::vector<std::string> sentences;
        Doc d;
        for (int id : kb_.subject_facts[e.index]) {
          sentences.push_back(statement(kb_.facts[id], offset[id] + k));
          d.facts.push_back(id);
        }
        for (int id : kb_.object_facts[e.index]) {
          sentences.push_back(reverse_statement(kb_.facts[id], reverse_offset[id] + k));
          d.facts.push_back(id);
        }
        rng.shuffle(sentences);
        d.text = rng.chance(50) ? "【" + e.name + "】" : "";
        for (const auto& s : sentences) d.text += s;
        docs.push_back(std::move(d));
      }
    }
    rng.shuffle(docs);
    for (auto& d : docs) add_record("dcpt.txt", d.text + "\n", d.facts);
  }

  // ---- SFT ----------------------------------------------------------------------------
  std::vector<int> train_facts_where(const std::function<bool(const Fact&)>& pred) const {
    std::vector<int> out;
    for (int id : train_ids_)
      if (pred(kb_.facts[id])) out.push_back(id);
    return out;
  }

  std::pair<std::string, std::string> patient_exchange(const Fact& f, SplitMix64& rng, bool advice) const {
    const std::string& s = kb_.entities[f.subject].name;
    std::string q = fill_pattern(rng.pick(patient_questions(f.attribute)), s, f.value);
    std::string a = fill_pattern(rng.pick(doctor_answers(f.attribute)), s, f.value);
    if (advice) a += safety_advice(f.attribute);
    return {q, a};
  }

  // A single-answer exam question on `f`: reverse with probability `reverse_percent`.
  std::optional<ExamQuestion> exam_question(const Fact& f, int reverse_percent, SplitMix64& rng) const {
    if (rng.chance(reverse_percent))
      if (auto q = questions_.reverse(f, rng)) return q;
    return questions_.forward(f, rng);
  }

  // Multi-answer questions over facts of one split sharing attribute and value.
  std::vector<ExamQuestion> multi_questions(const std::vector<int>& ids, int count, SplitMix64& rng,
                                            bool guard) {
    std::map<std::pair<int, std::string>, std::vector<const Fact*>> groups;
    for (int id : ids) {
      const Fact& f = kb_.facts[id];
      if (!multi_question_stem(f.attribute).empty() && kb_.entities[f.subject].kind == EntityKind::kDisease)
        groups[{static_cast<int>(f.attribute), f.value}].push_back(&f);
    }
    std::vector<std::vector<const Fact*>> usable;
    for (auto& [key, facts] : groups)
      if (facts.size() >= 2) usable.push_back(facts);
    rng.shuffle(usable);
    std::vector<ExamQuestion> out;
    for (auto& facts : usable) {
      if (static_cast<int>(out.size()) >= count) break;
      rng.shuffle(facts);
      size_t k = facts.size() >= 3 && rng.chance(30) ? 3 : 2;
      std::vector<const Fact*> chosen(facts.begin(), facts.begin() + k);
      auto q = questions_.multi(chosen, rng);
      if (q && (!guard || !mentions_test_fact(q->prompt() + q->answer))) out.push_back(std::move(*q));
      else if (q) ++rejected_;
    }
    return out;
  }

  // Runs `make(i)` for i = 0, 1, … until `want` items were accepted, rejecting any whose
  // text mentions a test fact; gives up after a bounded number of attempts.
  template <class Make>
  void fill_items(int want, Make make) {
    int made = 0;
    for (long attempt = 0; made < want && attempt < 20L * want + 100; ++attempt)
      if (make(attempt)) ++made;
  }

  struct SftItem {
    std::string human, gpt;
    std::vector<int> facts;
  };

  void sft() {
    begin_file("sft.jsonl", "sft", "sft");
    std::vector<SftItem> items;
    auto accept = [&](SftItem item) {
      if (mentions_test_fact(item.human + "\n" + item.gpt)) {
        ++rejected_;
        return false;
      }
      items.push_back(std::move(item));
      return true;
    };

    // Patient questions about one training fact.
    {
      auto rng = SplitMix64::stream(seed_, kSftDialogue);
      auto pool = train_facts_where([](const Fact& f) { return is_patient_attribute(f.attribute); });
      rng.shuffle(pool);
      if (!pool.empty())
        fill_items(sizes_.sft_dialogues, [&](long i) {
          const Fact& f = kb_.facts[pool[i % pool.size()]];
          // Mostly bare answers: SFT teaches the format; the complete, safe style of the
          // reference answers is what DPO's preference pairs teach (docs/DEMO_WORLD.md).
          auto [q, a] = patient_exchange(f, rng, rng.chance(20));
          return accept({q, a, {f.id}});
        });
    }
    // Overviews: every training fact of one entity.
    {
      auto rng = SplitMix64::stream(seed_, kSftOverview);
      std::vector<int> entities;
      for (const auto& e : kb_.entities) entities.push_back(e.index);
      rng.shuffle(entities);
      static const std::vector<std::string> asks = {"请介绍一下{s}。", "{s}是什么？请简要说明。",
                                                    "关于{s}，有哪些需要了解的要点？"};
      fill_items(sizes_.sft_overviews, [&](long i) {
        int e = entities[i % entities.size()];
        SftItem item;
        item.human = fill_pattern(rng.pick(asks), kb_.entities[e].name, "");
        for (int id : kb_.subject_facts[e])
          if (is_train(id)) item.gpt += statement(kb_.facts[id], 0), item.facts.push_back(id);
        for (int id : kb_.object_facts[e])
          if (is_train(id)) item.gpt += reverse_statement(kb_.facts[id], 0), item.facts.push_back(id);
        return !item.facts.empty() && accept(std::move(item));
      });
    }
    // CMExam-style questions answered by the letters (a few in the "答案：B" style).
    {
      auto rng = SplitMix64::stream(seed_, kSftExam);
      auto pool = train_ids_;
      rng.shuffle(pool);
      int n_multi = (sizes_.sft_exam * sizes_.multi_answer_percent + 50) / 100;
      std::vector<ExamQuestion> qs = multi_questions(train_ids_, n_multi, rng, true);
      fill_items(sizes_.sft_exam - static_cast<int>(qs.size()), [&](long i) {
        auto q = exam_question(kb_.facts[pool[i % pool.size()]], 25, rng);
        if (!q) return false;
        qs.push_back(std::move(*q));
        return true;
      });
      for (auto& q : qs) {
        SftItem item{q.prompt(), q.answer, q.facts};
        if (rng.chance(15)) item = {q.question + "\n" + q.options_cell(), "答案：" + q.answer, q.facts};
        accept(std::move(item));
      }
    }
    // RAG-style: retrieved knowledge cards (training facts only) in front of the prompt.
    {
      auto rng = SplitMix64::stream(seed_, kSftRag);
      auto pool = train_ids_;
      rng.shuffle(pool);
      auto train_only = [this](int id) { return is_train(id); };
      fill_items(sizes_.sft_rag, [&](long i) {
        const Fact& f = kb_.facts[pool[i % pool.size()]];
        auto [own, own_facts] = passage(f.subject, train_only);
        std::vector<std::pair<std::string, std::vector<int>>> cards = {{own, own_facts}};
        for (int tries = 0; cards.size() < 3 && tries < 10; ++tries) {
          int other = static_cast<int>(rng.below(kb_.entities.size()));
          if (other == f.subject) continue;
          auto card = passage(other, train_only);
          if (!card.first.empty()) cards.push_back(std::move(card));
        }
        rng.shuffle(cards);
        SftItem item;
        std::string passages;
        for (auto& [text, facts] : cards) {
          passages += (passages.empty() ? "" : "\n") + text;
          item.facts.insert(item.facts.end(), facts.begin(), facts.end());
        }
        std::string prompt, answer;
        if (is_patient_attribute(f.attribute) && rng.chance(50)) {
          std::tie(prompt, answer) = patient_exchange(f, rng, false);
        } else {
          auto q = exam_question(f, 25, rng);
          if (!q) return false;
          prompt = q->prompt();
          answer = q->answer;
        }
        item.human = kRagTemplatePrefix + passages + "\n\n" + prompt;
        item.gpt = answer;
        item.facts.push_back(f.id);
        return accept(std::move(item));
      });
    }
    auto rng = SplitMix64::stream(seed_, kSftMix);
    rng.shuffle(items);
    for (auto& it : items) add_record("sft.jsonl", sharegpt(it.human, it.gpt), it.facts);
  }

  // ---- DPO ----------------------------------------------------------------------------
  // Chosen: the correct answer with safety advice. Rejected: a wrong fact (half), unsafe
  // advice or an evasive non-answer.
  void dpo() {
    begin_file("dpo.jsonl", "dpo", "dpo");
    auto rng = SplitMix64::stream(seed_, kDpo);
    auto pool = train_facts_where([](const Fact& f) { return is_patient_attribute(f.attribute); });
    rng.shuffle(pool);
    if (pool.empty()) return;
    fill_items(sizes_.dpo_pairs, [&](long i) {
      const Fact& f = kb_.facts[pool[i % pool.size()]];
      const std::string& s = kb_.entities[f.subject].name;
      auto [question, chosen] = patient_exchange(f, rng, true);
      std::string rejected;
      int kind = static_cast<int>(rng.below(4));
      if (kind <= 1) {
        auto wrong = questions_.wrong_values(f.subject, f.attribute, f.value, 1, rng);
        if (wrong.empty()) return false;
        rejected = fill_pattern(doctor_answers(f.attribute)[0], s, wrong[0]) + safety_advice(f.attribute);
      } else if (kind == 2) {
        rejected = fill_pattern(rng.pick(unsafe_answers(f.attribute)), s, "");
      } else {
        rejected = rng.pick(evasive_answers());
      }
      if (mentions_test_fact(question + "\n" + chosen + "\n" + rejected)) {
        ++rejected_;
        return false;
      }
      nlohmann::json j = {{"question", question}, {"response_chosen", chosen}, {"response_rejected", rejected}};
      add_record("dpo.jsonl", j.dump() + "\n", {f.id});
      return true;
    });
  }

  // ---- CMExam ---------------------------------------------------------------------------
  void cmexam_train() {
    begin_file("cmexam_train.csv", "cmexam", "eval-train", std::string("\xEF\xBB\xBF") + kCmexamHeader);
    auto rng = SplitMix64::stream(seed_, kCmexamTrain);
    auto pool = train_ids_;
    rng.shuffle(pool);
    int n_multi = (sizes_.cmexam_train * sizes_.multi_answer_percent + 50) / 100;
    std::vector<ExamQuestion> qs = multi_questions(train_ids_, n_multi, rng, true);
    fill_items(sizes_.cmexam_train - static_cast<int>(qs.size()), [&](long i) {
      auto q = exam_question(kb_.facts[pool[i % pool.size()]], 25, rng);
      if (!q || mentions_test_fact(q->prompt() + q->explanation)) return (q && ++rejected_, false);
      qs.push_back(std::move(*q));
      return true;
    });
    rng.shuffle(qs);
    for (const auto& q : qs) add_record("cmexam_train.csv", csv_row(q), q.facts);
  }

  // One question per test fact (30 % asked in reverse), plus multi_answer_percent more
  // multi-answer questions over test facts sharing a value.
  void cmexam_test() {
    begin_file("cmexam_test.csv", "cmexam", "eval-test", std::string("\xEF\xBB\xBF") + kCmexamHeader);
    auto rng = SplitMix64::stream(seed_, kCmexamTest);
    std::vector<ExamQuestion> qs;
    for (int id : test_ids_)
      if (auto q = exam_question(kb_.facts[id], 30, rng)) qs.push_back(std::move(*q));
    int n_multi = (static_cast<int>(qs.size()) * sizes_.multi_answer_percent + 50) / 100;
    for (auto& q : multi_questions(test_ids_, n_multi, rng, false)) qs.push_back(std::move(q)), ++test_multi_;
    rng.shuffle(qs);
    for (const auto& q : qs) add_record("cmexam_test.csv", csv_row(q), q.facts);
  }

  // ---- Huatuo ---------------------------------------------------------------------------
  void huatuo_test() {
    begin_file("huatuo_test.jsonl", "huatuo", "eval-test");
    auto rng = SplitMix64::stream(seed_, kHuatuo);
    std::vector<int> pool;
    for (int id : test_ids_)
      if (is_patient_attribute(kb_.facts[id].attribute)) pool.push_back(id);
    rng.shuffle(pool);
    if (pool.size() > static_cast<size_t>(sizes_.huatuo_test)) pool.resize(sizes_.huatuo_test);
    for (int id : pool) {
      // References are complete doctor answers: the fact plus safety advice, the style the
      // DPO pairs prefer, so DPO's gain can show in BLEU/ROUGE as in the paper.
      auto [q, a] = patient_exchange(kb_.facts[id], rng, true);
      nlohmann::json j = {{"question", q}, {"answer", a}};
      add_record("huatuo_test.jsonl", j.dump() + "\n", {id});
    }
  }

  // ---- RAG corpus and the fact table ---------------------------------------------------------
  void rag_corpus() {
    begin_file("rag_corpus.txt", "rag", "rag");
    for (const auto& e : kb_.entities) {
      auto [text, facts] = passage(e.index, [](int) { return true; });
      if (!text.empty()) add_record("rag_corpus.txt", text + "\n", facts);
    }
  }

  void facts_table() {
    begin_file("facts.jsonl", "facts", "meta");
    static const char* const kinds[] = {"disease", "drug", "exam"};
    for (const auto& f : kb_.facts) {
      const Entity& e = kb_.entities[f.subject];
      nlohmann::json j = {{"id", f.id},
                          {"subject", e.name},
                          {"kind", kinds[static_cast<int>(e.kind)]},
                          {"attribute", attribute_label(f.attribute)},
                          {"value", f.value},
                          {"split", test_[f.id] ? "test" : "train"}};
      add_record("facts.jsonl", j.dump() + "\n", {f.id});
    }
  }

  void manifest() {
    nlohmann::json files = nlohmann::json::array();
    for (const auto& name : out_->file_order) {
      DemoFile f{name, formats_[name].first, formats_[name].second,
                 static_cast<long>(out_->record_facts[name].size()), out_->contents[name].size()};
      out_->files.push_back(f);
      files.push_back({{"name", f.name}, {"format", f.format}, {"stage", f.stage},
                       {"records", f.records}, {"bytes", f.bytes}});
    }
    int diseases = 0, drugs = 0, exams = 0;
    for (const auto& e : kb_.entities)
      (e.kind == EntityKind::kDisease ? diseases : e.kind == EntityKind::kDrug ? drugs : exams)++;
    nlohmann::json m = {
        {"generator", "qilin-bench demo world"},
        {"generator_version", kGeneratorVersion},
        {"seed", seed_},
        {"knowledge_base",
         {{"entities", kb_.entities.size()}, {"diseases", diseases}, {"drugs", drugs}, {"exams", exams},
          {"facts", kb_.facts.size()}, {"train_facts", train_ids_.size()}, {"test_facts", test_ids_.size()}}},
        {"sizes",
         {{"test_facts", sizes_.test_facts}, {"multi_answer_percent", sizes_.multi_answer_percent},
          {"dcpt_docs_per_entity", sizes_.dcpt_docs_per_entity}, {"sft_dialogues", sizes_.sft_dialogues},
          {"sft_overviews", sizes_.sft_overviews}, {"sft_exam", sizes_.sft_exam}, {"sft_rag", sizes_.sft_rag},
          {"dpo_pairs", sizes_.dpo_pairs}, {"cmexam_train", sizes_.cmexam_train},
          {"huatuo_test", sizes_.huatuo_test}}},
        {"cmexam_test_multi_answer", test_multi_},
        {"items_rejected_for_naming_a_test_fact", rejected_},
        {"files", files},
    };
    out_->manifest = m.dump(2) + "\n";
    out_->files.push_back({"manifest.json", "manifest", "meta", 1, out_->manifest.size()});
  }

  const KnowledgeBase& kb_;
  uint64_t seed_;
  DemoSizes sizes_;
  ExamQuestionBuilder questions_;
  std::vector<bool> test_;
  std::vector<int> train_ids_, test_ids_;
  std::vector<std::pair<std::string, std::string>> test_pairs_;
  std::map<std::string, std::pair<std::string, std::string>> formats_;
  long rejected_ = 0;    // candidate items dropped because they named a test fact
  long test_multi_ = 0;  // multi-answer questions in cmexam_test.csv
  DemoWorld* out_ = nullptr;
};

void check_sizes(const DemoSizes& s) {
  const std::pair<const char*, int> fields[] = {
      {"test_facts", s.test_facts},     {"multi_answer_percent", s.multi_answer_percent},
      {"dcpt_docs_per_entity", s.dcpt_docs_per_entity}, {"sft_dialogues", s.sft_dialogues},
      {"sft_overviews", s.sft_overviews}, {"sft_exam", s.sft_exam},
      {"sft_rag", s.sft_rag},           {"dpo_pairs", s.dpo_pairs},
      {"cmexam_train", s.cmexam_train}, {"huatuo_test", s.huatuo_test}};
  for (const auto& [name, value] : fields)
    if (value < 0) throw InputError("demo world sizes", name, "must be >= 0, got " + std::to_string(value));
  if (s.multi_answer_percent > 100)
    throw InputError("demo world sizes", "multi_answer_percent", "must be <= 100");
}

}  // namespace

DemoSizes DemoSizes::small() {
  DemoSizes s;
  s.test_facts = 120;
  s.dcpt_docs_per_entity = 2;
  s.sft_dialogues = 60;
  s.sft_overviews = 20;
  s.sft_exam = 60;
  s.sft_rag = 20;
  s.dpo_pairs = 40;
  s.cmexam_train = 30;
  s.huatuo_test = 20;
  return s;
}

DemoWorld build_demo_world(uint64_t seed, const DemoSizes& sizes) {
  check_sizes(sizes);
  return Generator(embedded_knowledge_base(), seed, sizes).run();
}

std::vector<DemoFile> write_demo_world(const std::filesystem::path& out_dir, uint64_t seed,
                                       const DemoSizes& sizes) {
  std::error_code ec;
  if (std::filesystem::exists(out_dir, ec) && !std::filesystem::is_directory(out_dir, ec))
    throw error_in_file(out_dir.string(), "exists and is not a directory (the demo world needs a directory)");
  DemoWorld w = build_demo_world(seed, sizes);
  for (const auto& name : w.file_order) write_file_atomic(out_dir / name, w.contents.at(name));
  write_file_atomic(out_dir / "manifest.json", w.manifest);
  return w.files;
}

}  // namespace qb::demo
