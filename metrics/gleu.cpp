#include "metrics/gleu.h"

#include <algorithm>

namespace qb {

GleuCounts GleuCounts::from_overlap(const NgramOverlap& o) {
  int64_t tp = 0, tpfp = 0, tpfn = 0;
  for (int i = 0; i < 4; ++i) {
    tp += o.clipped[i];
    tpfp += o.hyp_total[i];
    tpfn += o.ref_total[i];
  }
  GleuCounts g;
  g.n_all = std::max(tpfp, tpfn);
  g.tp = g.n_all > 0 ? tp : 0;
  return g;
}

}  // namespace qb
