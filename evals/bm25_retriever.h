// BM25 retrieval over Chinese-segmented passages: the RAG baseline (SPEC §5).
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "metrics/segmenter.h"

namespace qb {

struct Bm25Options {
  double k1 = 1.5;
  double b = 0.75;
};

struct RetrievedPassage {
  size_t index;    // position in the corpus
  double score;
};

class Bm25Retriever {
 public:
  // Segments every passage once; `segmenter` must outlive the retriever.
  Bm25Retriever(std::vector<std::string> passages, const Segmenter& segmenter, Bm25Options options = {});

  // The top k passages by Okapi BM25, best first; ties by corpus position. Passages with
  // score 0 (no shared term) are never returned.
  std::vector<RetrievedPassage> search(const std::string& query, size_t k) const;

  const std::string& passage(size_t i) const { return passages_[i]; }
  size_t size() const { return passages_.size(); }
  std::string signature() const;  // e.g. "bm25|k1:1.5|b:0.75|tok:jieba-0.42.1|hmm:1"

 private:
  std::vector<std::string> tokens_of(const std::string& text) const;
  std::vector<std::string> passages_;
  const Segmenter& segmenter_;
  Bm25Options opt_;
  // term -> postings (passage index, term frequency)
  std::unordered_map<std::string, std::vector<std::pair<uint32_t, uint32_t>>> postings_;
  std::vector<uint32_t> doc_len_;
  double avg_len_ = 0;
};

}  // namespace qb
