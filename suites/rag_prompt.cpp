#include "suites/rag_prompt.h"

#include <stdexcept>

namespace qb {

std::string with_passages(const std::string& prompt, const std::vector<std::string>& passages,
                          const std::string& tmpl) {
  static const std::string kPrompt = "{prompt}", kPassages = "{passages}";
  if (tmpl.find(kPrompt) == std::string::npos)
    throw std::invalid_argument("RAG prompt template lacks {prompt}: " + tmpl);
  if (passages.empty()) return prompt;
  std::string joined;
  for (size_t i = 0; i < passages.size(); ++i) {
    if (i) joined += '\n';
    joined += passages[i];
  }
  // One left-to-right pass, so a passage or prompt that itself contains "{prompt}"
  // or "{passages}" is never substituted again.
  std::string out;
  for (size_t i = 0; i < tmpl.size();) {
    if (tmpl.compare(i, kPrompt.size(), kPrompt) == 0) {
      out += prompt;
      i += kPrompt.size();
    } else if (tmpl.compare(i, kPassages.size(), kPassages) == 0) {
      out += joined;
      i += kPassages.size();
    } else {
      out += tmpl[i++];
    }
  }
  return out;
}

}  // namespace qb
