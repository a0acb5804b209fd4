#include "evals/bm25_retriever.h"

#include <fmt/format.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace qb {

// Terms are segmenter tokens minus whitespace and pure punctuation: "的"/"，" carry no
// topic, and punctuation tokens would otherwise match every passage.
std::vector<std::string> Bm25Retriever::tokens_of(const std::string& text) const {
  std::vector<std::string> out;
  for (auto& tok : segmenter_.segment(text)) {
    bool has_content = false;
    const auto* p = reinterpret_cast<const uint8_t*>(tok.data());
    int32_t i = 0, n = static_cast<int32_t>(tok.size());
    while (i < n) {
      UChar32 c;
      U8_NEXT(p, i, n, c);
      if (c >= 0 && !u_isUWhiteSpace(c) && !u_ispunct(c)) has_content = true;
    }
    if (has_content) out.push_back(std::move(tok));
  }
  return out;
}

Bm25Retriever::Bm25Retriever(std::vector<std::string> passages, const Segmenter& segmenter,
                             Bm25Options options)
    : passages_(std::move(passages)), segmenter_(segmenter), opt_(options) {
  doc_len_.reserve(passages_.size());
  double total = 0;
  for (uint32_t d = 0; d < passages_.size(); ++d) {
    std::map<std::string, uint32_t> tf;
    auto toks = tokens_of(passages_[d]);
    for (auto& t : toks) ++tf[t];
    for (auto& [term, f] : tf) postings_[term].emplace_back(d, f);
    doc_len_.push_back(static_cast<uint32_t>(toks.size()));
    total += toks.size();
  }
  avg_len_ = passages_.empty() ? 0 : total / passages_.size();
}

std::vector<RetrievedPassage> Bm25Retriever::search(const std::string& query, size_t k) const {
  std::vector<double> score(passages_.size(), 0.0);
  auto q = tokens_of(query);
  std::sort(q.begin(), q.end());
  q.erase(std::unique(q.begin(), q.end()), q.end());  // a repeated query word counts once
  const double n_docs = static_cast<double>(passages_.size());
  for (auto& term : q) {
    auto it = postings_.find(term);
    if (it == postings_.end()) continue;
    double df = static_cast<double>(it->second.size());
    // The "+1" form keeps idf positive for terms in more than half the passages (Lucene's choice).
    double idf = std::log((n_docs - df + 0.5) / (df + 0.5) + 1.0);
    for (auto [d, f] : it->second) {
      double norm = opt_.k1 * (1 - opt_.b + opt_.b * doc_len_[d] / (avg_len_ > 0 ? avg_len_ : 1));
      score[d] += idf * f * (opt_.k1 + 1) / (f + norm);
    }
  }
  std::vector<RetrievedPassage> hits;
  for (size_t d = 0; d < score.size(); ++d)
    if (score[d] > 0) hits.push_back({d, score[d]});
  std::stable_sort(hits.begin(), hits.end(),
                   [](const auto& a, const auto& b) { return a.score > b.score; });
  if (hits.size() > k) hits.resize(k);
  return hits;
}

std::string Bm25Retriever::signature() const {
  return fmt::format("bm25|k1:{}|b:{}|tok:{}", opt_.k1, opt_.b, segmenter_.signature());
}

}  // namespace qb
