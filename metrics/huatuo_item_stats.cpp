#include "metrics/huatuo_item_stats.h"

#include <stdexcept>

#include "common/error.h"
#include "metrics/lcs.h"
#include "metrics/text_prep.h"

namespace qb {

HuatuoItemScorer::HuatuoItemScorer(const HuatuoMetricOptions& options, std::shared_ptr<const Segmenter> segmenter)
    : options_(options), segmenter_(segmenter ? std::move(segmenter) : make_segmenter(options.segmenter)) {
  if (options.bleu_agg == BleuAggregation::kSentenceMean && !nltk_smoothing_supported(options.smooth))
    throw InputError("--smooth", "value " + std::to_string(options.smooth),
                     "unsupported NLTK smoothing method (supported: 0, 1, 2, 3, 4, 5, 7; method6 needs "
                     "trigram BLEU and is not offered)");
}

HuatuoItemStats HuatuoItemScorer::score(std::string_view prediction, std::string_view reference,
                                        PredictionWords* prediction_words) {
  HuatuoItemStats s;
  strip_white_space(prediction, hyp_.text);
  strip_white_space(reference, ref_text_);
  const std::string& hyp = hyp_.text;
  const std::string& ref = ref_text_;
  s.empty_prediction = hyp.empty();
  s.empty_reference = ref.empty();

  // Words: BLEU, GLEU (and Distinct through prediction_words).
  hyp_.spans.clear();
  ref_spans_.clear();
  if (!hyp.empty()) segmenter_->segment_spans(hyp, hyp_.spans);
  if (!ref.empty()) segmenter_->segment_spans(ref, ref_spans_);
  interner_.clear();
  hyp_ids_.clear();
  ref_ids_.clear();
  interner_.ids(hyp, hyp_.spans, hyp_ids_);
  interner_.ids(ref, ref_spans_, ref_ids_);
  // Corpus BLEU-1..4 and GLEU (n 1-4) read orders 1..4; NLTK's smoothing method5 (and 7,
  // which applies it) also reads the order-5 precision, so sentence BLEU counts up to 5.
  const int orders = options_.bleu_agg == BleuAggregation::kSentenceMean ? kMaxNgramOrder : 4;
  const NgramOverlap words = ngram_matches(hyp_ids_, ref_ids_, orders);
  s.bleu = BleuCounts::from_overlap(words, static_cast<int64_t>(hyp_ids_.size()),
                                    static_cast<int64_t>(ref_ids_.size()));
  s.gleu = GleuCounts::from_overlap(words);
  if (options_.bleu_agg == BleuAggregation::kSentenceMean)
    for (int n = 1; n <= 4; ++n) s.sentence_bleu[n - 1] = nltk_sentence_bleu(s.bleu, n, options_.smooth);

  // Characters: ROUGE (the texts are valid UTF-8: strip_white_space checked them).
  code_points(hyp, hyp_chars_);
  code_points(ref, ref_chars_);
  char_interner_.clear();  // dense ids: order-1 counts and LCS masks index arrays directly
  char_interner_.intern(hyp_chars_);
  char_interner_.intern(ref_chars_);
  const NgramOverlap chars = ngram_overlap(hyp_chars_, ref_chars_, 2);
  s.rouge1 = rouge_n(chars, 1, options_.rouge);
  s.rouge2 = rouge_n(chars, 2, options_.rouge);
  s.rouge_l = rouge_l(lcs_length(hyp_chars_, ref_chars_), hyp_chars_.size(), ref_chars_.size());

  if (prediction_words) std::swap(*prediction_words, hyp_);
  return s;
}

}  // namespace qb
