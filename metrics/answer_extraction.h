// Answer extraction for multiple-choice generations (CMExam "generate" mode, SPEC §3).
//
// Only option letters in ANSWER POSITION count. Precisely:
//  - A letter run is read at a position after skipping filler (White_Space, ':' '：' '(' '（'
//    '[' '【' ']' '】' ')' '）' '"' '“' '”' '「' '」' '*'). It is a sequence of BLOCKS separated by
//    ',' '，' '、' ';' '；' '/' '和' '及' '与' or White_Space. A block is a maximal run of Latin
//    letters and digits (ASCII, full-width, accented Latin); it counts only if EVERY character
//    in it is an option letter (upper-case A-E, or full-width Ａ-Ｅ), so "CT", "ECG", "B12",
//    "Cell" are words, not answers. The run ends at the first block that does not count or at
//    anything else; letters collected before that are the answer.
//  - Answer positions, in priority order (the first one that yields letters wins):
//      1. right after a strong cue, first occurrence first: "答案" (then optionally
//         "应该是" "应该为" "应是" "应为" "是" "为" "选" "选择"), "正确选项" (then "是"/"为"),
//         "answer" (any case, not inside a longer word; then optionally " is" / ":");
//      2. the start of the text (after filler and an optional "选项");
//      3. right after a weak cue, first occurrence first: "选择", "应选", "选".
//  - Lower-case letters never count ("a" is an English article).
// The result is the sorted set of distinct letters ("C", "ACE"); nullopt is an extraction
// failure (reported, and scored as wrong).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace qb {

// `valid` lists the option letters that exist (upper-case ASCII, e.g. "ABCDE"); other letters
// make a block a word. Throws InputError("<text>", ...) on ill-formed UTF-8.
std::optional<std::string> extract_answer_letters(std::string_view output, std::string_view valid = "ABCDE");

}  // namespace qb
