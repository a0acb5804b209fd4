// DCPT, SFT, DPO and RAG readers on the real MedicalGPT samples and on fixtures.
#include <gtest/gtest.h>

#include "common/error.h"
#include "suites/dcpt_reader.h"
#include "suites/dpo_reader.h"
#include "suites/rag_reader.h"
#include "suites/sft_reader.h"
#include "tests/testing/testing.h"

namespace {

using qb::testing::TempDir;
using qb::testing::write_fixture;
using Strings = std::vector<std::string>;

template <class F>
std::string error_of(F&& read) {
  try {
    read();
  } catch (const qb::InputError& e) {
    return e.what();
  }
  return "(no error)";
}

std::vector<std::string> roles(const std::vector<qb::ChatTurn>& turns) {
  std::vector<std::string> r;
  for (const auto& t : turns) r.push_back(t.role);
  return r;
}

// ---- real files (counts per ../shared/data/README.md, checked with Python) ----

TEST(DcptReal, FeverIsOneDocumentPerLine) {
  QILIN_REQUIRE_SHARED(path, "medicalgpt/fever.txt");
  auto ds = qb::read_dcpt(path);
  // 996 lines, 11 of them blank (chapter breaks): fewer than a tenth, so line mode.
  EXPECT_EQ(ds.report.layout, "dcpt-lines");
  ASSERT_EQ(ds.records.size(), 985u);
  EXPECT_EQ(ds.records[0].text, "第一章论");
  EXPECT_EQ(ds.records[0].line, 1);
  EXPECT_EQ(ds.records.back().line, 995);
}

TEST(SftReal, MedicalSft1K) {
  QILIN_REQUIRE_SHARED(path, "medicalgpt/medical_sft_1K_format.jsonl");
  auto ds = qb::read_sft(path);
  EXPECT_EQ(ds.report.layout, "sft-sharegpt");
  EXPECT_EQ(ds.report.columns, (Strings{"conversations"}));
  ASSERT_EQ(ds.records.size(), 1000u);
  for (const auto& d : ds.records) EXPECT_EQ(roles(d.turns), (Strings{"user", "assistant"}));
  EXPECT_EQ(ds.records[0].turns[0].text.substr(0, 30), "治疗阳痿吃什么药呢？");
  EXPECT_EQ(ds.records[999].line, 1000);
}

TEST(DpoReal, DpoZh500) {
  QILIN_REQUIRE_SHARED(path, "medicalgpt/dpo_zh_500.jsonl");
  auto ds = qb::read_dpo(path);
  EXPECT_EQ(ds.report.layout, "dpo-conversations");
  ASSERT_EQ(ds.records.size(), 500u);
  int with_system = 0;
  for (const auto& p : ds.records) with_system += p.prompt.front().role == "system";
  EXPECT_EQ(with_system, 84);  // Python: 416 prompts are [human], 84 are [system, human]
  EXPECT_EQ(ds.records[0].prompt.back().text, "20个关于新鲜果汁菜单的口号，适用于一家名为\"Dishes\"的餐厅");
}

TEST(RagReal, MedicalCorpus) {
  QILIN_REQUIRE_SHARED(path, "medicalgpt/medical_corpus.txt");
  auto ds = qb::read_rag(path);
  EXPECT_EQ(ds.report.layout, "rag-qa-zh");
  ASSERT_EQ(ds.records.size(), 87u);
  EXPECT_EQ(ds.records[0].question, "肛门病变可能是什么疾病的症状?");
  EXPECT_EQ(ds.records[0].answer, "食管克罗恩病");
  EXPECT_EQ(ds.records[0].text, "肛门病变可能是什么疾病的症状?\n食管克罗恩病");
}

// ---- DCPT fixtures ----

TEST(DcptFixture, ParagraphsChosenWhenBlankLinesAreFrequent) {
  TempDir d;
  auto p = write_fixture(d / "w.txt", "第一段第一行\r\n第一段第二行\r\n\r\n第二段\n\n\n第三段a\n第三段b\n");
  auto ds = qb::read_dcpt(p);
  EXPECT_EQ(ds.report.layout, "dcpt-paragraphs");
  ASSERT_EQ(ds.records.size(), 3u);
  EXPECT_EQ(ds.records[0].text, "第一段第一行\n第一段第二行");
  EXPECT_EQ(ds.records[1].text, "第二段");
  EXPECT_EQ(ds.records[1].line, 4);
  EXPECT_EQ(ds.records[2].text, "第三段a\n第三段b");
  EXPECT_EQ(ds.records[2].line, 7);
  qb::DcptOptions o;
  o.split = qb::DcptSplit::kLines;  // forced
  ds = qb::read_dcpt(p, o);
  EXPECT_EQ(ds.report.layout, "dcpt-lines");
  EXPECT_EQ(ds.records.size(), 5u);
}

TEST(DcptFixture, LinesJsonlAndErrors) {
  TempDir d;
  std::string many;
  for (int i = 1; i <= 10; ++i) many += "文档" + std::to_string(i) + "\n";
  auto p = write_fixture(d / "l.txt", many + "\n文档11\n");  // 1 blank per 11 lines: line mode
  auto ds = qb::read_dcpt(p);
  EXPECT_EQ(ds.report.layout, "dcpt-lines");
  ASSERT_EQ(ds.records.size(), 11u);
  EXPECT_EQ(ds.records[10].line, 12);

  p = write_fixture(d / "t.jsonl", "{\"text\": \"甲\"}\n{\"text\": \"乙\"}\n");
  ds = qb::read_dcpt(p);
  EXPECT_EQ(ds.report.layout, "dcpt-jsonl");
  EXPECT_EQ(ds.records.size(), 2u);
  EXPECT_EQ(ds.records[1].text, "乙");

  p = write_fixture(d / "e.jsonl", "{\"text\": \"甲\"}\n{\"text\": \"\"}\n");
  EXPECT_EQ(error_of([&] { qb::read_dcpt(p); }), p.string() + ": line 2: empty text");
  p = write_fixture(d / "k.jsonl", "{\"body\": \"甲\"}\n");
  EXPECT_EQ(error_of([&] { qb::read_dcpt(p); }), p.string() + ": line 1: missing field 'text'");
  p = write_fixture(d / "u.txt", "好\n坏\xC0\xAF\n");
  EXPECT_EQ(error_of([&] { qb::read_dcpt(p); }), p.string() + ": line 2: invalid UTF-8 (byte 0xC0 at column 4)");
  p = write_fixture(d / "empty.txt", " \n\n");
  EXPECT_EQ(error_of([&] { qb::read_dcpt(p); }), p.string() + ": empty file: no text");
}

TEST(DcptFixture, LenientSkipsBadParagraphWhole) {
  TempDir d;
  auto p = write_fixture(d / "p.txt", "a1\na2\n\nb1\nb\xFF\n\nc1\n");
  qb::DcptOptions o;
  o.read.lenient = true;
  auto ds = qb::read_dcpt(p, o);
  EXPECT_EQ(ds.report.layout, "dcpt-paragraphs");
  ASSERT_EQ(ds.records.size(), 2u);
  EXPECT_EQ(ds.records[1].text, "c1");
  EXPECT_EQ(ds.report.records_skipped, 1);
  ASSERT_EQ(ds.report.errors.size(), 1u);
  EXPECT_EQ(ds.report.errors[0].what(), p.string() + ": line 5: invalid UTF-8 (byte 0xFF at column 2)");
}

// ---- SFT fixtures ----

TEST(SftFixture, ShareGptRolesAlpacaAndJsonList) {
  TempDir d;
  auto p = write_fixture(d / "s.jsonl",
                         "{\"conversations\": [{\"from\": \"system\", \"value\": \"你是医生\"}, {\"from\": \"input\", "
                         "\"value\": \"q1\"}, {\"from\": \"output\", \"value\": \"a1\"}, {\"from\": \"human\", \"value\": "
                         "\"q2\"}, {\"from\": \"gpt\", \"value\": \"a2\"}]}\n");
  auto ds = qb::read_sft(p);
  ASSERT_EQ(ds.records.size(), 1u);
  EXPECT_EQ(roles(ds.records[0].turns), (Strings{"system", "user", "assistant", "user", "assistant"}));
  EXPECT_EQ(ds.records[0].turns[4].text, "a2");

  p = write_fixture(d / "a.json",
                    "[{\"instruction\": \"解释\", \"input\": \"发热\", \"output\": \"体温升高\"},\n"
                    " {\"instruction\": \"只有指令\", \"input\": \"\", \"output\": \"好\", \"id\": \"x\"}]");
  ds = qb::read_sft(p);
  EXPECT_EQ(ds.report.layout, "sft-alpaca");
  ASSERT_EQ(ds.records.size(), 2u);
  EXPECT_EQ(ds.records[0].turns[0].text, "解释\n发热");
  EXPECT_EQ(ds.records[0].turns[1].text, "体温升高");
  EXPECT_EQ(ds.records[0].record, 1);
  EXPECT_EQ(ds.records[0].line, 0);
  EXPECT_EQ(ds.records[1].turns[0].text, "只有指令");
  EXPECT_EQ(ds.records[1].id, "x");
}

TEST(SftFixture, Errors) {
  TempDir d;
  auto sft = [&](const std::string& name, const std::string& line) {
    auto p = write_fixture(d / name, line + "\n");
    return std::make_pair(p.string(), error_of([&] { qb::read_sft(p); }));
  };
  auto [f1, e1] = sft("1.jsonl", R"({"conversations": [{"from": "human", "value": "q"}]})");
  EXPECT_EQ(e1, f1 + ": line 1: conversations: the last turn is user, expected assistant");
  auto [f2, e2] = sft("2.jsonl", R"({"conversations": [{"from": "gpt", "value": "a"}]})");
  EXPECT_EQ(e2, f2 + ": line 1: conversations turn 1: expected a user turn, found assistant (turns must alternate, user first)");
  auto [f3, e3] = sft("3.jsonl", R"({"conversations": [{"from": "bot", "value": "a"}]})");
  EXPECT_EQ(e3, f3 + ": line 1: conversations turn 1: unknown role 'bot' (expected human/gpt, input/output, user/assistant or system)");
  auto [f4, e4] = sft("4.jsonl", R"({"conversations": [{"from": "human", "value": " "}, {"from": "gpt", "value": "a"}]})");
  EXPECT_EQ(e4, f4 + ": line 1: conversations turn 1: empty text");
  auto [f5, e5] = sft("5.jsonl", R"({"instruction": "i", "input": ""})");
  EXPECT_EQ(e5, f5 + ": line 1: missing field 'output'");
  auto [f6, e6] = sft("6.jsonl", R"({"conversations": []})");
  EXPECT_EQ(e6, f6 + ": line 1: field 'conversations' is an empty list");
  auto [f7, e7] = sft("7.jsonl", R"({"messages": []})");
  EXPECT_EQ(e7, f7 + ": line 1: no dialogue: expected 'conversations' or 'instruction'/'input'/'output'");
  auto [f8, e8] = sft("8.jsonl", R"({"conversations": [{"from": "human", "value": "q"}, {"from": "system", "value": "s"}]})");
  EXPECT_EQ(e8, f8 + ": line 1: conversations turn 2: a system turn may only come first");
}

// ---- DPO fixtures ----

TEST(DpoFixture, QuestionLayoutAndErrors) {
  TempDir d;
  auto p = write_fixture(d / "q.json",
                         R"([{"question": "头痛？", "response_chosen": "休息", "response_rejected": "不知道"}])");
  auto ds = qb::read_dpo(p);
  EXPECT_EQ(ds.report.layout, "dpo-question");
  ASSERT_EQ(ds.records.size(), 1u);
  EXPECT_EQ(roles(ds.records[0].prompt), (Strings{"user"}));
  EXPECT_EQ(ds.records[0].chosen, "休息");
  EXPECT_EQ(ds.records[0].rejected, "不知道");

  p = write_fixture(d / "same.jsonl", R"({"question": "q", "response_chosen": "a", "response_rejected": "a"})");
  EXPECT_EQ(error_of([&] { qb::read_dpo(p); }),
            p.string() + ": line 1: 'response_chosen' and 'response_rejected' are identical");
  p = write_fixture(d / "miss.json", R"([{"question": "q", "response_chosen": "a"}])");
  EXPECT_EQ(error_of([&] { qb::read_dpo(p); }), p.string() + ": record 1: missing field 'response_rejected'");
  p = write_fixture(d / "conv.jsonl",
                    R"({"conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}], "chosen": "x", "rejected": "y"})");
  EXPECT_EQ(error_of([&] { qb::read_dpo(p); }),
            p.string() + ": line 1: conversations: the last turn is assistant, expected user");
  p = write_fixture(d / "empty.jsonl", R"({"conversations": [{"from": "human", "value": "q"}], "chosen": "", "rejected": "y"})");
  EXPECT_EQ(error_of([&] { qb::read_dpo(p); }), p.string() + ": line 1: empty 'chosen'");
}

// ---- RAG fixtures ----

TEST(RagFixture, LinesQaAndErrors) {
  TempDir d;
  auto p = write_fixture(d / "r.txt", "感冒是病毒感染。\n\n发热时多喝水。\r\n");
  auto ds = qb::read_rag(p);
  EXPECT_EQ(ds.report.layout, "rag-lines");
  ASSERT_EQ(ds.records.size(), 2u);
  EXPECT_EQ(ds.records[1].text, "发热时多喝水。");
  EXPECT_EQ(ds.records[1].id, "2");
  EXPECT_EQ(ds.records[1].line, 3);

  p = write_fixture(d / "qa.jsonl", R"({"question": "q", "answer": "a"})" "\n");
  ds = qb::read_rag(p);
  EXPECT_EQ(ds.report.layout, "rag-qa");
  EXPECT_EQ(ds.records[0].text, "q\na");

  p = write_fixture(d / "bad.jsonl", R"({"问": "q", "答": ""})" "\n");
  EXPECT_EQ(error_of([&] { qb::read_rag(p); }), p.string() + ": line 1: empty '答'");
  p = write_fixture(d / "none.jsonl", R"({"x": 1})" "\n");
  EXPECT_EQ(error_of([&] { qb::read_rag(p); }),
            p.string() + ": line 1: no passage: expected '问'/'答', 'question'/'answer' or 'text'");
  p = write_fixture(d / "empty.txt", "");
  EXPECT_EQ(error_of([&] { qb::read_rag(p); }), p.string() + ": empty file: no passages");
}

}  // namespace

namespace {

TEST(SftFixture, AssistantTurnExpected) {
  TempDir d;
  auto p = write_fixture(d / "x.jsonl",
                         R"({"conversations": [{"from": "human", "value": "q"}, {"from": "human", "value": "q2"}]})" "\n");
  EXPECT_EQ(error_of([&] { qb::read_sft(p); }),
            p.string() + ": line 1: conversations turn 2: expected an assistant turn, found user (turns must "
                         "alternate, user first)");
}

}  // namespace
