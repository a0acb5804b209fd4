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
                                        std::vector<std::string>* prediction_words) {
  HuatuoItemStats s;
  const std::string hyp = strip_white_space(prediction);
  const std::string ref = strip_white_space(reference);
  s.empty_prediction = hyp.empty();
  s.empty_reference = ref.empty();

  // Words: BLEU, GLEU (and Distinct through prediction_words).
  std::vector<std::string> hyp_words = hyp.empty() ? std::vector<std::string>{} : segmenter_->segment(hyp);
  const std::vector<std::string> ref_words = ref.empty() ? std::vector<std::string>{} : segmenter_->segment(ref);
  interner_.clear();
  const auto hyp_ids = interner_.ids(hyp_words);
  const auto ref_ids = interner_.ids(ref_words);
  const NgramOverlap words = ngram_overlap(hyp_ids, ref_ids, kMaxNgramOrder);
  s.bleu = BleuCounts::from_overlap(words, static_cast<int64_t>(hyp_ids.size()),
                                    static_cast<int64_t>(ref_ids.size()));
  s.gleu = GleuCounts::from_overlap(words);
  if (options_.bleu_agg == BleuAggregation::kSentenceMean)
    for (int n = 1; n <= 4; ++n) s.sentence_bleu[n - 1] = nltk_sentence_bleu(s.bleu, n, options_.smooth);

  // Characters: ROUGE.
  const std::vector<char32_t> hyp_chars = code_points(hyp), ref_chars = code_points(ref);
  const std::vector<uint32_t> hc(hyp_chars.begin(), hyp_chars.end()), rc(ref_chars.begin(), ref_chars.end());
  const NgramOverlap chars = ngram_overlap(hc, rc, 2);
  s.rouge1 = rouge_n(chars, 1, options_.rouge);
  s.rouge2 = rouge_n(chars, 2, options_.rouge);
  s.rouge_l = rouge_l(lcs_length(hyp_chars, ref_chars), hyp_chars.size(), ref_chars.size());

  if (prediction_words) *prediction_words = std::move(hyp_words);
  return s;
}

}  // namespace qb
