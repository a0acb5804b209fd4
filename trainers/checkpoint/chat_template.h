// The chat template a checkpoint was fine-tuned with, carried in the checkpoint as
// chat_template.json, so whoever evaluates it (the pipeline, `eval`, `serve`) wraps prompts the
// way the model learned them, without knowing the training config. SFT and DPO checkpoints carry
// one; base and DCPT checkpoints do not (they never saw a template). No torch here.
//
//   chat_template.json: {"system_prefix": "", "system_suffix": "", "user_prefix": "<reserved_102>",
//                        "user_suffix": "", "assistant_prefix": "<reserved_103>", "assistant_suffix": ""}
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace qb {

struct ChatTemplateMarkers {
  std::string system_prefix, system_suffix;
  std::string user_prefix, user_suffix;
  std::string assistant_prefix, assistant_suffix;

  // One user turn and the start of the reply: what an evaluation prompt is wrapped in.
  std::string turn_prefix() const { return user_prefix; }
  std::string turn_suffix() const { return user_suffix + assistant_prefix; }
};

inline constexpr const char* kChatTemplateFile = "chat_template.json";

// DIR/chat_template.json, or nullopt when the checkpoint has none. InputError naming the file
// for malformed JSON, a missing key or a value that is not a string.
std::optional<ChatTemplateMarkers> read_chat_template(const std::filesystem::path& dir);

// Writes DIR/chat_template.json atomically.
void write_chat_template(const std::filesystem::path& dir, const ChatTemplateMarkers& t);

}  // namespace qb
