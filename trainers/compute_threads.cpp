#include "trainers/compute_threads.h"

#include <torch/torch.h>

namespace qb {

void set_compute_threads(int n) {
  if (n < 1) n = 1;
  at::set_num_threads(n);
  at::set_num_interop_threads(1);
}

int compute_threads() { return at::get_num_threads(); }

}  // namespace qb
