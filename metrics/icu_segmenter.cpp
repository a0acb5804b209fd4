#include "metrics/icu_segmenter.h"

#include <unicode/brkiter.h>
#include <unicode/uchar.h>
#include <unicode/utext.h>
#include <unicode/utf8.h>
#include <unicode/uversion.h>

#include "common/error.h"
#include "common/utf8.h"

namespace qb {

namespace {

// A BreakIterator is stateful and costly to create: one per thread, reused.
icu::BreakIterator& word_iterator() {
  thread_local std::unique_ptr<icu::BreakIterator> it;
  if (!it) {
    UErrorCode status = U_ZERO_ERROR;
    it.reset(icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), status));
    if (U_FAILURE(status) || !it)
      throw std::runtime_error(std::string("ICU word break iterator unavailable: ") + u_errorName(status));
  }
  return *it;
}

bool all_white_space(std::string_view s) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const int32_t len = static_cast<int32_t>(s.size());
  for (int32_t i = 0; i < len;) {
    UChar32 c;
    U8_NEXT(p, i, len, c);
    if (!u_hasBinaryProperty(c, UCHAR_WHITE_SPACE)) return false;
  }
  return true;
}

}  // namespace

std::string IcuSegmenter::signature() const { return "icu-" + std::to_string(U_ICU_VERSION_MAJOR_NUM); }

std::vector<std::string> IcuSegmenter::segment(std::string_view text) const {
  if (auto bad = first_invalid_utf8(text))
    throw InputError("<text>", "byte " + std::to_string(*bad), "ill-formed UTF-8 sequence");
  std::vector<std::string> tokens;
  if (text.empty()) return tokens;
  UErrorCode status = U_ZERO_ERROR;
  UText* ut = utext_openUTF8(nullptr, text.data(), static_cast<int64_t>(text.size()), &status);
  if (U_FAILURE(status)) throw std::runtime_error(std::string("utext_openUTF8: ") + u_errorName(status));
  icu::BreakIterator& it = word_iterator();
  it.setText(ut, status);
  if (U_FAILURE(status)) {
    utext_close(ut);
    throw std::runtime_error(std::string("BreakIterator::setText: ") + u_errorName(status));
  }
  // With UTF-8 UText the boundaries are byte offsets into `text`.
  int32_t start = it.first();
  for (int32_t end = it.next(); end != icu::BreakIterator::DONE; start = end, end = it.next()) {
    std::string_view piece = text.substr(start, end - start);
    if (!all_white_space(piece)) tokens.emplace_back(piece);
  }
  utext_close(ut);
  return tokens;
}

std::unique_ptr<Segmenter> make_icu_segmenter() { return std::make_unique<IcuSegmenter>(); }

}  // namespace qb
