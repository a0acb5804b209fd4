#include "common/progress.h"

#include <fmt/format.h>
#include <unistd.h>

namespace qb {
using Clock = std::chrono::steady_clock;

std::string format_duration(double s) {
  if (s < 0) s = 0;
  long t = static_cast<long>(s + 0.5);
  if (t < 60) return fmt::format("{}s", t);
  if (t < 3600) return fmt::format("{}m{:02}s", t / 60, t % 60);
  return fmt::format("{}h{:02}m", t / 3600, (t % 3600) / 60);
}

Progress::Progress(std::string label, long total, bool quiet, std::FILE* out, long done)
    : label_(std::move(label)), total_(total), start_(done), done_(done), out_(out), quiet_(quiet) {
  tty_ = ::isatty(::fileno(out_)) != 0;
  start_time_ = last_draw_ = Clock::now();
  draw(false);
}

Progress::~Progress() { finish(); }

void Progress::advance(long n) {
  done_ += n;
  draw(false);
}

void Progress::set_note(std::string note) { note_ = std::move(note); }

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  draw(true);
}

double Progress::eta_seconds() const {
  if (done_ <= start_ || total_ <= 0) return -1;
  const double elapsed = std::chrono::duration<double>(Clock::now() - start_time_).count();
  return elapsed / static_cast<double>(done_ - start_) * static_cast<double>(total_ - done_);
}

void Progress::draw(bool final) {
  if (quiet_) return;
  auto now = Clock::now();
  double elapsed = std::chrono::duration<double>(now - start_time_).count();
  double frac = total_ > 0 ? static_cast<double>(done_) / total_ : 0.0;
  const double eta_s = eta_seconds();
  std::string eta = eta_s >= 0 ? format_duration(eta_s) : "?";
  if (tty_) {
    if (!final && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    int width = 28, filled = static_cast<int>(frac * width);
    std::string bar = std::string(filled, '#') + std::string(width - filled, '.');
    fmt::print(out_, "\r\033[K{:<28} [{}] {}/{} {} ETA {}{}{}", label_, bar, done_, total_,
               format_duration(elapsed), final ? "-" : eta, note_.empty() ? "" : "  ", note_);
    if (final) fmt::print(out_, "\n");
    std::fflush(out_);
    return;
  }
  int decile = static_cast<int>(frac * 10);
  bool due = now - last_draw_ > std::chrono::seconds(30);
  if (!final && decile == last_decile_ && !due) return;
  last_decile_ = decile;
  last_draw_ = now;
  fmt::print(out_, "{}: {}/{} ({:.0f}%) elapsed {}{}{}{}\n", label_, done_, total_, frac * 100,
             format_duration(elapsed), final ? "" : " ETA " + eta, note_.empty() ? "" : "; ", note_);
  std::fflush(out_);
}

}  // namespace qb
