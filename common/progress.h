// Progress for long work (evaluation, training): on a terminal one updating line with a bar,
// the count, elapsed time, ETA and a note; otherwise plain log lines (at most one per 10 % or
// 30 s); nothing when quiet. Lives in common/ so trainers/ and harness/ share it.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

namespace qb {

class Progress {
 public:
  // `done` is where the work starts (e.g. the step a resumed run continues from); the ETA is
  // extrapolated from the rate of this run only.
  Progress(std::string label, long total, bool quiet, std::FILE* out = stderr, long done = 0);
  ~Progress();
  void advance(long n = 1);
  void set_note(std::string note);  // e.g. "loss 2.31"
  void finish();
  // Seconds left at the current rate, or a negative number before the first advance.
  double eta_seconds() const;

 private:
  void draw(bool final);
  std::string label_, note_;
  long total_, start_, done_;
  std::FILE* out_;
  bool tty_, quiet_, finished_ = false;
  std::chrono::steady_clock::time_point start_time_, last_draw_;
  int last_decile_ = -1;
};

// Formats seconds as "42s", "3m05s" or "1h02m".
std::string format_duration(double seconds);

}  // namespace qb
