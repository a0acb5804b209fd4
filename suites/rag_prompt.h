// The RAG prompt hook: puts retrieved passages in front of any prompt.
#pragma once

#include <string>
#include <vector>

namespace qb {

inline const char kDefaultRagTemplate[] = "参考资料：\n{passages}\n\n{prompt}";

// Replaces {passages} (the passages joined by "\n") and {prompt} in `tmpl`.
// With no passages the prompt is returned unchanged (nothing was retrieved).
// Throws std::invalid_argument if `tmpl` lacks {prompt}.
std::string with_passages(const std::string& prompt, const std::vector<std::string>& passages,
                          const std::string& tmpl = kDefaultRagTemplate);

}  // namespace qb
