// BLEU from n-gram sufficient statistics, in the two definitions the harness reports:
//  - corpus BLEU as tensorflow/nmt scripts/bleu.py compute_bleu (the Qilin-Med/CMExam default);
//  - sentence BLEU as NLTK 3.8 nltk.translate.bleu_score.sentence_bleu with SmoothingFunction
//    method0..method5 and method7 (single reference, uniform weights 1/n).
#pragma once

#include <cstdint>

#include "metrics/ngram_overlap.h"

namespace qb {

// What BLEU needs from one item (or, summed, from a corpus).
struct BleuCounts {
  int64_t matches[kMaxNgramOrder] = {};   // clipped n-gram matches per order
  int64_t possible[kMaxNgramOrder] = {};  // hypothesis n-grams per order
  int64_t hyp_len = 0, ref_len = 0;       // tokens

  static BleuCounts from_overlap(const NgramOverlap& o, int64_t hyp_len, int64_t ref_len);
  BleuCounts& operator+=(const BleuCounts& other);
};

// nmt compute_bleu(max_order, smooth=False), in [0, 1]: p_n = matches/possible (0 when
// possible is 0); geo_mean = exp(sum (1/N) log p_n) when every p_n > 0, else 0; ratio = c/r;
// BP = 1 when ratio > 1 else exp(1 - 1/ratio). Where nmt would divide by zero (c = 0 or
// r = 0) the score is 0: geo_mean is already 0 whenever c = 0, and r = 0 leaves no matches.
double nmt_corpus_bleu(const BleuCounts& corpus, int max_order);

// NLTK smoothing methods that are supported (6 needs >= 3 orders and a nonzero trigram
// precision, so it is rejected rather than half-supported).
bool nltk_smoothing_supported(int method);

// NLTK 3.8 sentence_bleu([ref], hyp, weights=(1/N,)*N, smoothing_function=method<k>), in [0, 1].
// Throws std::invalid_argument for an unsupported method.
double nltk_sentence_bleu(const BleuCounts& item, int max_order, int smoothing_method);

}  // namespace qb
