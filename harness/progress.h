// Progress for long steps: a bar with rate and ETA on a terminal, plain log lines
// (at most one per 10 % or 30 s) otherwise, nothing with --quiet.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

namespace qb {

class Progress {
 public:
  Progress(std::string label, long total, std::FILE* out = stderr);
  ~Progress();
  void advance(long n = 1);
  void set_note(std::string note);  // e.g. "loss 2.31"
  void finish();

 private:
  void draw(bool final);
  std::string label_, note_;
  long total_, done_ = 0;
  std::FILE* out_;
  bool tty_, quiet_, finished_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
  int last_decile_ = -1;
};

// Formats seconds as "42s", "3m05s" or "1h02m".
std::string format_duration(double seconds);

}  // namespace qb
