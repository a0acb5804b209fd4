// Chat turns from ShareGPT-style lists, with roles normalised and the turn order checked.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "suites/read_options.h"
#include "suites/records.h"

namespace qb {

// "human", "user", "input" -> "user"; "gpt", "assistant", "output" -> "assistant";
// "system" -> "system". Empty string for anything else.
std::string normalise_role(const std::string& from);

// Parses `j[key]`, a list of {"from": role, "value": text}. Checks: an optional system
// turn first, then user and assistant alternating starting with user, no empty text.
// `last_role` is the role the list must end with ("assistant" for SFT, "user" for a
// DPO prompt). Errors name the turn: "conversations turn 3: ...".
std::vector<ChatTurn> parse_chat_turns(const nlohmann::json& j, const char* key, const std::string& last_role,
                                       const RecordLocation& loc);

}  // namespace qb
