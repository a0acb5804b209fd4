#include "trainers/tokenizer/char_tokenizer.h"
#include "common/json_number_overflow.h"

#include <unicode/utf8.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/error.h"
#include "trainers/tokenizer/sentencepiece_tokenizer.h"

namespace qb {

namespace {

const char* const kSpecial[] = {"<pad>", "<s>", "</s>", "<unk>"};

// Calls f(bytes, valid) for each code point of `s`; invalid bytes come one at a time.
template <class F>
void for_each_code_point(std::string_view s, F&& f) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const int32_t n = static_cast<int32_t>(s.size());
  int32_t i = 0;
  while (i < n) {
    const int32_t start = i;
    UChar32 c;
    U8_NEXT(p, i, n, c);
    if (c < 0) {
      // U8_NEXT skips a maximal ill-formed subpart; it is reported as one unit
      // (one U+FFFD when decoding, the same policy as ICU's converters).
      f(s.substr(start, i - start), false);
    } else {
      f(s.substr(start, i - start), true);
    }
  }
}

void append_valid_utf8(std::string& out, const std::string& bytes) {
  for_each_code_point(bytes, [&](std::string_view cp, bool valid) {
    if (valid) out.append(cp);
    else out.append("\xEF\xBF\xBD");  // U+FFFD
  });
}

}  // namespace

CharTokenizer::CharTokenizer(std::vector<std::string> chars) : chars_(std::move(chars)) {
  for (size_t i = 0; i < chars_.size(); ++i) ids_.emplace(chars_[i], kFirstChar + static_cast<int64_t>(i));
}

CharTokenizer CharTokenizer::train(const std::vector<std::string>& texts, const CharTokenizerTraining& options) {
  std::map<UChar32, int64_t> counts;
  for (const auto& t : texts)
    for_each_code_point(t, [&](std::string_view cp, bool valid) {
      if (!valid) return;
      int32_t i = 0;
      UChar32 c;
      U8_NEXT(reinterpret_cast<const uint8_t*>(cp.data()), i, static_cast<int32_t>(cp.size()), c);
      ++counts[c];
    });
  std::vector<std::pair<UChar32, int64_t>> kept;
  for (const auto& [c, n] : counts)
    if (n >= options.min_frequency) kept.emplace_back(c, n);
  std::stable_sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  if (options.max_chars > 0 && static_cast<int64_t>(kept.size()) > options.max_chars) kept.resize(options.max_chars);
  std::vector<std::string> chars;
  for (const auto& [c, n] : kept) {
    char buf[4];
    int32_t len = 0;
    UBool err = false;
    U8_APPEND(reinterpret_cast<uint8_t*>(buf), len, 4, c, err);
    chars.emplace_back(buf, len);
  }
  return CharTokenizer(std::move(chars));
}

CharTokenizer CharTokenizer::parse(const std::string& json_text, const std::string& file) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(file, "byte " + std::to_string(e.byte), std::string("invalid JSON: ") + e.what());
  } catch (const nlohmann::json::out_of_range& e) {
    const auto o = locate_number_overflow(json_text, e);
    throw InputError(file, "byte " + std::to_string(o.offset + 1), o.problem());
  }
  if (!j.is_object() || j.value("format", std::string()) != "qilin-char-tokenizer")
    throw InputError(file, "key 'format'",
                     "not a qilin-char-tokenizer file (Hugging Face tokenizers JSON is not read; "
                     "put the checkpoint's SentencePiece tokenizer.model beside it)");
  if (j.value("version", 0) != 1) throw InputError(file, "key 'version'", "only version 1 is known");
  if (!j.contains("chars") || !j["chars"].is_array()) throw InputError(file, "key 'chars'", "missing or not an array");
  std::vector<std::string> chars;
  std::unordered_map<std::string, size_t> seen;
  for (size_t i = 0; i < j["chars"].size(); ++i) {
    const auto& c = j["chars"][i];
    const std::string where = "chars[" + std::to_string(i) + "]";
    if (!c.is_string()) throw InputError(file, where, "must be a string");
    const std::string s = c.get<std::string>();
    int points = 0;
    bool valid = true;
    for_each_code_point(s, [&](std::string_view, bool v) { ++points, valid = valid && v; });
    if (points != 1 || !valid) throw InputError(file, where, "must be exactly one character, got " + c.dump());
    if (!seen.emplace(s, i).second)
      throw InputError(file, where, "duplicates chars[" + std::to_string(seen[s]) + "] " + c.dump());
    chars.push_back(s);
  }
  return CharTokenizer(std::move(chars));
}

CharTokenizer CharTokenizer::load(const std::filesystem::path& file) {
  return parse(read_file(file), file.string());
}

std::string CharTokenizer::to_json() const {
  nlohmann::ordered_json j;
  j["format"] = "qilin-char-tokenizer";
  j["version"] = 1;
  j["special_tokens"] = {kSpecial[0], kSpecial[1], kSpecial[2], kSpecial[3]};
  j["byte_fallback"] = true;
  j["chars"] = chars_;
  return j.dump(1) + "\n";
}

void CharTokenizer::save(const std::filesystem::path& file) const { write_file_atomic(file, to_json()); }

std::vector<int64_t> CharTokenizer::encode(std::string_view text) const {
  std::vector<int64_t> ids;
  ids.reserve(text.size());
  for_each_code_point(text, [&](std::string_view cp, bool valid) {
    if (valid) {
      auto it = ids_.find(std::string(cp));
      if (it != ids_.end()) {
        ids.push_back(it->second);
        return;
      }
    }
    for (unsigned char b : cp) ids.push_back(kFirstByte + b);
  });
  return ids;
}

std::string CharTokenizer::decode(const std::vector<int64_t>& ids) const {
  std::string out, bytes;
  for (int64_t id : ids) {
    if (id >= kFirstByte && id < kFirstChar) {
      bytes.push_back(static_cast<char>(id - kFirstByte));
      continue;
    }
    append_valid_utf8(out, bytes);
    bytes.clear();
    if (id >= kFirstChar && id < vocab_size()) out += chars_[id - kFirstChar];
    // specials and out-of-range ids (a model vocabulary larger than the tokenizer's) add nothing
  }
  append_valid_utf8(out, bytes);
  return out;
}

std::string CharTokenizer::signature() const { return "qilin-char:v1:" + std::to_string(vocab_size()); }

std::unique_ptr<Tokenizer> load_tokenizer(const std::filesystem::path& dir) {
  const auto path = dir / "tokenizer.json", spm = dir / "tokenizer.model";
  // A real HF checkpoint may carry both a tokenizers-library tokenizer.json and
  // tokenizer.model: ours is read only when it says so, else SentencePiece.
  if (std::filesystem::exists(path) &&
      (!std::filesystem::exists(spm) || read_file(path).find("\"qilin-char-tokenizer\"") != std::string::npos))
    return std::make_unique<CharTokenizer>(CharTokenizer::load(path));
  if (std::filesystem::exists(spm)) return std::make_unique<SentencePieceTokenizer>(spm);
  throw InputError(dir.string(), "tokenizer", "has no tokenizer.json (train one with 'qilin-bench model tokenizer')");
}

}  // namespace qb
