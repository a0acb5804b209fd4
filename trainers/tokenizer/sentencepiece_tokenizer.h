// SentencePiece tokenizer.model (real LLaMA / Baichuan checkpoints), through the
// dlopen'ed wrapper library (trainers/tokenizer/sentencepiece/spm_wrapper.h explains why). No torch here.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "trainers/tokenizer/tokenizer.h"

namespace qb {

// Where the SentencePiece wrapper library is loaded from: $QILIN_SPM_WRAPPER when set, else
// EXE_DIR/../lib/qilin-bench/libqilin_spm_wrapper.so when that file exists (an installed tree),
// else the build tree's copy (its path is compiled in).
std::string sentencepiece_wrapper_path();

class SentencePieceTokenizer : public Tokenizer {
 public:
  // Loads `model_file`. InputError naming the file when the wrapper library cannot be
  // loaded ($QILIN_SPM_WRAPPER overrides the built-in path) or the model is invalid.
  explicit SentencePieceTokenizer(const std::filesystem::path& model_file);
  ~SentencePieceTokenizer() override;

  std::vector<int64_t> encode(std::string_view text) const override;
  std::string decode(const std::vector<int64_t>& ids) const override;
  int64_t vocab_size() const override;
  int64_t pad_id() const override;  // SentencePiece's pad id, or unk when the model has none
  int64_t bos_id() const override;
  int64_t eos_id() const override;
  int64_t unk_id() const override;
  std::string signature() const override;

  // Trains a model with SentencePieceTrainer flags, e.g. "--input=c.txt --model_prefix=m --vocab_size=100".
  // Throws InputError("sentencepiece", "training", message) on failure.
  static void train(const std::string& flags);

  struct Api;

 private:
  const Api* api_;
  void* sp_ = nullptr;
  std::string file_;
};

}  // namespace qb
