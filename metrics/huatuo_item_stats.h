// Per-item sufficient statistics for open-ended QA scoring (Huatuo-26M): computed once per
// (prediction, reference) pair from the segmented words and the characters; every corpus score,
// bootstrap resample and paired test only adds these up, never re-segments.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/bleu.h"
#include "metrics/char_interner.h"
#include "metrics/gleu.h"
#include "metrics/ngram_overlap.h"
#include "metrics/rouge.h"
#include "metrics/segmenter.h"

namespace qb {

enum class BleuAggregation { kCorpus, kSentenceMean };

// Everything that changes a per-item number.
struct HuatuoMetricOptions {
  SegmenterOptions segmenter;                          // BLEU/GLEU/Distinct words (default jieba, HMM on)
  BleuAggregation bleu_agg = BleuAggregation::kCorpus;  // nmt corpus BLEU or mean NLTK sentence BLEU
  int smooth = 0;                                       // NLTK SmoothingFunction method (sentence only)
  RougeNgramMode rouge = RougeNgramMode::kSet;          // ROUGE-1/2 over sets (default) or counts
};

struct HuatuoItemStats {
  BleuCounts bleu;                   // words, orders 1..5
  GleuCounts gleu;                   // words, orders 1..4
  PrecisionRecallF rouge1, rouge2;   // characters
  PrecisionRecallF rouge_l;          // characters
  double sentence_bleu[4] = {};      // NLTK sentence BLEU-1..4 with options.smooth (sentence agg only)
  bool empty_prediction = false;     // nothing left after removing whitespace
  bool empty_reference = false;
};

// The prediction's words, for Distinct-n: the whitespace-stripped text and its tokens' spans.
struct PredictionWords {
  std::string text;
  std::vector<TokenSpan> spans;
};

// Turns one pair into statistics. Not thread-safe (one per thread); the segmenter, whose
// segment() is const, may be shared between threads.
class HuatuoItemScorer {
 public:
  // Makes the segmenter from options.segmenter when `segmenter` is null.
  explicit HuatuoItemScorer(const HuatuoMetricOptions& options,
                            std::shared_ptr<const Segmenter> segmenter = nullptr);
  // `prediction_words`, when given, receives the prediction's words (for Distinct-n).
  // Throws InputError("<text>", ...) for ill-formed UTF-8 (callers re-throw with file/line).
  HuatuoItemStats score(std::string_view prediction, std::string_view reference,
                        PredictionWords* prediction_words = nullptr);
  const Segmenter& segmenter() const { return *segmenter_; }
  const std::shared_ptr<const Segmenter>& shared_segmenter() const { return segmenter_; }

 private:
  HuatuoMetricOptions options_;
  std::shared_ptr<const Segmenter> segmenter_;
  TokenInterner interner_;
  CharInterner char_interner_;
  // Reused per item: nothing is allocated per word once warm.
  std::string ref_text_;
  PredictionWords hyp_;
  std::vector<TokenSpan> ref_spans_;
  std::vector<uint32_t> hyp_ids_, ref_ids_, hyp_chars_, ref_chars_;
};

}  // namespace qb
