#include "suites/chat_turns.h"

#include "suites/json_fields.h"
#include "suites/text_util.h"

namespace qb {

std::string normalise_role(const std::string& from) {
  if (from == "human" || from == "user" || from == "input") return "user";
  if (from == "gpt" || from == "assistant" || from == "output") return "assistant";
  if (from == "system") return "system";
  return "";
}

std::vector<ChatTurn> parse_chat_turns(const nlohmann::json& j, const char* key, const std::string& last_role,
                                       const RecordLocation& loc) {
  auto it = j.find(key);
  if (it == j.end()) throw loc.error(std::string("missing field '") + key + "'");
  if (!it->is_array()) throw loc.error(std::string("field '") + key + "' is " + it->type_name() + ", expected a list");
  if (it->empty()) throw loc.error(std::string("field '") + key + "' is an empty list");
  std::vector<ChatTurn> turns;
  for (size_t i = 0; i < it->size(); ++i) {
    const auto& t = (*it)[i];
    const std::string where = std::string(key) + " turn " + std::to_string(i + 1) + ": ";
    if (!t.is_object()) throw loc.error(where + "is " + t.type_name() + ", expected an object {from, value}");
    auto from = t.find("from");
    auto value = t.find("value");
    if (from == t.end() || !from->is_string()) throw loc.error(where + "missing string field 'from'");
    if (value == t.end() || !value->is_string()) throw loc.error(where + "missing string field 'value'");
    ChatTurn turn;
    turn.role = normalise_role(from->get<std::string>());
    if (turn.role.empty())
      throw loc.error(where + "unknown role " + shown(from->get<std::string>()) +
                      " (expected human/gpt, input/output, user/assistant or system)");
    turn.text = value->get<std::string>();
    if (trim(turn.text).empty()) throw loc.error(where + "empty text");
    // Expected role at this position: system only first; then user, assistant, user, ...
    const bool has_system = !turns.empty() && turns.front().role == "system";
    if (turn.role == "system") {
      if (i != 0) throw loc.error(where + "a system turn may only come first");
    } else {
      size_t k = turns.size() - (has_system ? 1 : 0);
      const char* want = (k % 2 == 0) ? "user" : "assistant";
      if (turn.role != want)
        throw loc.error(where + "expected " + (k % 2 == 0 ? "a " : "an ") + want + " turn, found " + turn.role + " (turns must alternate, user first)");
    }
    turns.push_back(std::move(turn));
  }
  if (turns.back().role != last_role)
    throw loc.error(std::string(key) + ": the last turn is " + turns.back().role + ", expected " + last_role);
  return turns;
}

}  // namespace qb
