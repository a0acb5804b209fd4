#include "suites/huatuo_requests.h"

#include <stdexcept>

namespace qb {

GenerateRequest build_huatuo_request(const HuatuoItem& item, const HuatuoPromptOptions& opts) {
  static const std::string kSlot = "{question}";
  auto at = opts.prompt_template.find(kSlot);
  if (at == std::string::npos)
    throw std::invalid_argument("Huatuo prompt template lacks {question}: " + opts.prompt_template);
  GenerateRequest r;
  r.id = item.id;
  r.prompt = opts.prompt_template;
  r.prompt.replace(at, kSlot.size(), item.question);
  r.max_new_tokens = opts.max_new_tokens;
  return r;
}

}  // namespace qb
