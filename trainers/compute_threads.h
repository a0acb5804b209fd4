// Thread count for tensor math, set once at start-up. No torch in this header.
#pragma once

namespace qb {

// Sets libtorch's intra-op threads. TOOLCHAIN.md: the default here is 1, and
// OpenMP spin-waiting makes 2 threads slower than 1 unless OMP_WAIT_POLICY=PASSIVE
// was in the environment when the process started (main.cpp sees to that).
void set_compute_threads(int n);
int compute_threads();

}  // namespace qb
