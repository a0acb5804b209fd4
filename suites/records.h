// Typed records produced by the dataset readers (one struct per data kind).
#pragma once

#include <map>
#include <string>
#include <vector>

namespace qb {

// One CMExam multiple-choice question (official 9-column CSV or the 4-column variant).
struct CMExamQuestion {
  std::string id;                            // the `id` column if present, else the 1-based data row number
  long line = 0;                             // physical line where the record starts
  std::string question;                      // verbatim from the file (prompts are built from it)
  std::map<char, std::string> options;       // 'A' -> "option text" (letter and separator removed, else verbatim)
  std::string answer;                        // sorted set of letters, e.g. "C" or "ACE"
  std::string explanation;                   // may be empty
  std::map<std::string, std::string> annotations;  // every other column: name -> value

  bool multi_answer() const { return answer.size() > 1; }
};

// One Huatuo-26M question with its reference answer(s).
struct HuatuoItem {
  std::string id;                    // the record's non-empty `id`, else the 1-based record number
  long line = 0;                     // JSONL: line of the record; JSON list: 0
  long record = 0;                   // 1-based record index
  std::string question;
  std::vector<std::string> answers;  // at least one; answers[0] is the reference used for scoring
};

// One DCPT training document (plain text).
struct DcptDocument {
  long line = 0;                     // line where the document starts
  std::string text;
};

// A chat turn with roles normalised: "system", "user" or "assistant".
struct ChatTurn {
  std::string role;
  std::string text;
};

// One SFT dialogue: optional system turn, then user/assistant turns alternating,
// ending with an assistant turn (the loss covers assistant turns only).
struct SftDialogue {
  std::string id;                    // the record's `id` if any, else the 1-based record number
  long line = 0;
  long record = 0;
  std::vector<ChatTurn> turns;
};

// One DPO preference pair: the prompt turns (ending with a user turn) and two responses.
struct DpoPair {
  std::string id;
  long line = 0;
  long record = 0;
  std::vector<ChatTurn> prompt;      // optional system, then alternating turns, last one "user"
  std::string chosen;
  std::string rejected;
};

// One passage of a RAG knowledge corpus. For question/answer corpora the passage text
// is question + "\n" + answer (both also kept); for plain text lines question/answer are empty.
struct RagPassage {
  std::string id;                    // the 1-based record number (or the record's `id`)
  long line = 0;
  std::string text;
  std::string question;
  std::string answer;
};

}  // namespace qb
