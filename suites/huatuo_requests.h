// Request builder for Huatuo-26M open-ended QA.
#pragma once

#include <string>

#include "suites/records.h"
#include "suites/requests.h"

namespace qb {

struct HuatuoPromptOptions {
  // "{question}" is replaced by the question. The default mirrors the 问/答 turn format
  // the Qilin-Med evaluators use for dialogue history; a chat-tuned model's own template
  // is applied by the engine, not here.
  std::string prompt_template = "问：{question}\n答：";
  int max_new_tokens = 256;
};

GenerateRequest build_huatuo_request(const HuatuoItem& item, const HuatuoPromptOptions& opts = {});

}  // namespace qb
